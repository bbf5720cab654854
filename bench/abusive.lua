-- wrk script: each request reads the next path of BENCH_ABUSIVE_PATHS (separated by
-- spaces), so every connection cycles through the most expensive reads allowed.
local paths = {}
for path in string.gmatch(os.getenv("BENCH_ABUSIVE_PATHS"), "%S+") do
  table.insert(paths, path)
end
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
