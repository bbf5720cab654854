-- wrk script: every request uploads a different PNG (multipart bodies written by
-- bench/uploads.py), so none is answered as a repeat of an earlier upload. Each wrk
-- thread takes its own share of the bodies, and its own user (quota per user), and
-- stops when its share is used up (the requests already sent repeat its last body).
local dir = os.getenv("UPLOAD_BODIES_DIR")
local count = tonumber(os.getenv("UPLOAD_BODIES"))
local boundary = os.getenv("UPLOAD_BOUNDARY")
local tokens = {}
for token in string.gmatch(os.getenv("UPLOAD_TOKENS"), "[^,]+") do
  tokens[#tokens + 1] = token
end

-- In the main state: numbers the threads. Each thread's state gets `number` (its
-- own, from 1) and `step` (how many threads share the bodies).
local started = 0
function setup(thread)
  started = started + 1
  thread:set("number", started)
  thread:set("step", #tokens)
end

local next_body, headers
function init(args)
  next_body = number
  headers = {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Authorization"] = "Token " .. tokens[number],
  }
end

local used_up = false
function request()
  local file = io.open(dir .. "/" .. next_body .. ".bin", "rb")
  local body = file:read("*a")
  file:close()
  if next_body + step <= count then
    next_body = next_body + step
  else
    used_up = true
  end
  return wrk.format("POST", "/api/v1/uploads", headers, body)
end

function response(status, headers, body)
  if used_up then
    wrk.thread:stop()
  end
end
