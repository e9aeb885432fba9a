"""The documents agree with the code: docs/errors.md's table is the C error
table (HTTPC_ERROR_MAP, through the library) and Python's classes, and every
document the repository cites is inside the repository."""

import os
import re
import subprocess
import unittest

import httpc
from httpc import _httpc_raw as raw

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def code_names():
    """C code -> its HTTPC_E_ name without the prefix."""
    return {getattr(raw, n): n[len("HTTPC_E_"):] for n in dir(raw)
            if n.startswith("HTTPC_E_") and isinstance(getattr(raw, n), int)}


def python_name(cls):
    """How docs/errors.md names a Python class."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    if cls.__module__.startswith("httpc."):
        return "httpc." + cls.__qualname__
    return cls.__module__ + "." + cls.__qualname__


def table_rows(path):
    """The rows of the table whose first cell is a code, as lists of cells."""
    rows = []
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"-\d+", cells[0]):
            rows.append(cells)
    return rows


class ErrorsDocument(unittest.TestCase):
    def test_table_is_the_c_table(self):
        names = code_names()
        rows = table_rows(os.path.join(ROOT, "docs", "errors.md"))
        codes = [raw.httpc_error_at(i) for i in range(raw.httpc_error_count())]
        self.assertEqual([int(r[0]) for r in rows], codes,
                         "docs/errors.md: one row per code, in the table's order")
        for row, code in zip(rows, codes):
            parents = [names[p] for p in (raw.httpc_error_parent(code, 0),
                                          raw.httpc_error_parent(code, 1)) if p]
            expected = [str(code), "`%s`" % names[code], "`%s`" % raw.httpc_error_name(code),
                        ", ".join("`%s`" % p for p in parents) or "—",
                        raw.httpc_strerror(code),
                        "`%s`" % python_name(httpc.CODE_TO_CLASS[code]),
                        "`%s`" % raw.httpc_error_name(code)]
            with self.subTest(code=names[code]):
                self.assertEqual(row[:7], expected, "write the row as: | %s |" %
                                 " | ".join(expected))


def repository_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        out = [os.path.relpath(os.path.join(d, f), ROOT)
               for d, _, fs in os.walk(ROOT) for f in fs]
    skip = ("bench/results/", "tests/vectors/", "bindings/node/dev/")
    return [f for f in out if f and not f.startswith(skip) and not f.startswith("build")
            and f.endswith((".c", ".h", ".py", ".lua", ".js", ".ts", ".i", ".sh", ".md",
                            ".txt", ".cmake", ".in"))]


class CitedDocuments(unittest.TestCase):
    def test_cited_documents_are_in_the_repository(self):
        cited = re.compile(r"\b(docs/[A-Za-z0-9_.-]+\.md)\b")
        # The design folder outside the repository, named in parts so that
        # this file does not cite it itself.
        outside = re.compile("/".join(("shared", "design")) + r"|\bERRORS\.md|\bASYNC\.md|\bSTYLE\.md|"
                             r"\bTOOLCHAIN\.md|\bARCHITECTURE\.md|\b[Ii]ssue \d+")
        for name in repository_files():
            path = os.path.join(ROOT, name)
            if not os.path.isfile(path):
                continue
            text = open(path, encoding="utf-8", errors="replace").read()
            with self.subTest(file=name):
                for doc in cited.findall(text):
                    self.assertTrue(os.path.isfile(os.path.join(ROOT, doc)),
                                    "%s cites %s, which is not in the repository" % (name, doc))
                found = outside.search(text)
                self.assertIsNone(found, "%s cites %r, which is not in the repository" %
                                  (name, found and found.group(0)))


if __name__ == "__main__":
    unittest.main()
