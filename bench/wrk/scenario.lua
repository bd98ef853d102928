-- One wrk script for every benchmark scenario, chosen by BENCH_SCENARIO:
--   list    GET   /api/{user}/tasks                 (a random seeded user; 50 tasks each)
--   create  POST  /api/{user}/tasks
--   toggle  PATCH /api/{user}/tasks/{id}/complete   (a random task of a random user)
--   signin  POST  /api/auth/sign-in/email           (a random user, right password)
--   page    GET   /                                 (the dashboard, with BENCH_COOKIE)
-- BENCH_QUERY (list only) is appended as the query string: `completed=false`, `q=water`, ...
-- BENCH_USERS names a file of "id<TAB>token<TAB>email<TAB>first task id<TAB>task count" lines
-- written by bench.py; the tokens are HS256 JWTs that both servers accept (one shared secret).
-- done() prints one line, "BENCH {json}", that bench.py reads.

local scenario = os.getenv("BENCH_SCENARIO") or "list"
local password = os.getenv("BENCH_PASSWORD") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
local query = os.getenv("BENCH_QUERY") or ""
if query ~= "" then query = "?" .. query end

local users = {}
for line in io.lines(os.getenv("BENCH_USERS")) do
  local id, token, email, first, count = line:match("^(%S+)\t(%S+)\t(%S+)\t(%d+)\t(%d+)$")
  if id then
    users[#users + 1] = { id = id, token = token, email = email,
                          first = tonumber(first), count = tonumber(count) }
  end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local requests = {}
function init(args)
  math.randomseed(20261124 + (thread_number or 0))
  -- Requests that do not vary per call are built once, so wrk spends its time on the wire.
  for i, u in ipairs(users) do
    local auth = { ["Authorization"] = "Bearer " .. u.token }
    if scenario == "list" then
      requests[i] = wrk.format("GET", "/api/" .. u.id .. "/tasks" .. query, auth)
    elseif scenario == "create" then
      auth["Content-Type"] = "application/json"
      requests[i] = wrk.format("POST", "/api/" .. u.id .. "/tasks", auth,
        '{"title":"Benchmark task","description":"created under load"}')
    elseif scenario == "signin" then
      requests[i] = wrk.format("POST", "/api/auth/sign-in/email",
        { ["Content-Type"] = "application/json" },
        '{"email":"' .. u.email .. '","password":"' .. password .. '"}')
    end
  end
  if scenario == "page" then
    requests[1] = wrk.format("GET", "/", { ["Cookie"] = cookie, ["Accept"] = "text/html" })
  end
end

function request()
  if scenario == "page" then
    return requests[1]
  end
  local i = math.random(#users)
  if scenario == "toggle" then
    local u = users[i]
    local id = u.first + math.random(u.count) - 1
    return wrk.format("PATCH", "/api/" .. u.id .. "/tasks/" .. id .. "/complete",
      { ["Authorization"] = "Bearer " .. u.token })
  end
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
