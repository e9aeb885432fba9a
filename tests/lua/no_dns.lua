-- A name that cannot be resolved: run under tests/support/no-dns.sh, so the
-- lookup fails on this machine and no query leaves it.
local T = require("check")
local httpc = require("httpc")

T.test("a resolution failure is a gaierror, an OSError", function()
  local conn = httpc.HTTPConnection("nonexistent.invalid", 80, {timeout = 5})
  local err = T.raises("gaierror", conn.request, conn, "GET", "/")
  T.ok(err:is_a("OSError"), "an OSError")
  T.ok(not err:is_a("HTTPException"), "not an HTTPException")
  T.raises("gaierror", conn.connect, conn)
end)

T.test("httpc.request returns nil and the gaierror", function()
  local body, err = httpc.request("http://nonexistent.invalid/")
  T.eq(body, nil, "body")
  T.eq(err.name, "gaierror", "error name")
  T.ok(tostring(err):find("gaierror", 1, true), "tostring: " .. tostring(err))
end)

T.run(2)
