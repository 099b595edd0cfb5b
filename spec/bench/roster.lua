--- The roster row of the benchmark, in a process of its own so that its
-- peak memory is its own: `lua roster.lua PATH` reads the roster twice,
-- decode only (core.open + reader:next()) then through
-- interferon.patients + kb:screen, and prints its figures as a Lua table.
local interferon = require("interferon")
local core = require("interferon.core")

local path = assert(arg[1], "usage: roster.lua PATH")

-- a field of /proc/self/status, in kB (nil where there is no /proc)
local function status(key)
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return tonumber(text:match(key .. ":%s*(%d+)"))
end

local kb = interferon.default()
kb:screen({ medications = { "warm up" } })
collectgarbage()
collectgarbage()
local start = status("VmRSS")
local reset = io.open("/proc/self/clear_refs", "w")  -- peak RSS := current RSS
if reset then reset:write("5") reset:close() end

local t0, count = os.clock(), 0
local reader = assert(core.open(path))
while true do
  local value = reader:next()
  if value == nil then break end
  count = count + 1
end
reader:close()
local decode = os.clock() - t0

local api = interferon.patients and "interferon.patients" or "core.open"
local screened, findings, bad = 0, 0, 0
t0 = os.clock()
if interferon.patients then
  for p, err in interferon.patients(path) do
    if p then
      local r = assert(kb:screen(p))
      screened, findings = screened + 1, findings + #r.findings
    else
      bad = bad + (err and 1 or 0)
    end
  end
else
  reader = assert(core.open(path))
  while true do
    local p = reader:next()
    if p == nil then break end
    local r = assert(kb:screen(p))
    screened, findings = screened + 1, findings + #r.findings
  end
end
local screen = os.clock() - t0

io.write(("return { count = %d, screened = %d, bad = %d, findings = %d, " ..
  "decode = %.6f, screen = %.6f, rss_start = %s, rss_peak = %s, api = %q }\n")
  :format(count, screened, bad, findings, decode, screen, tostring(start),
    tostring(reset and status("VmHWM") or nil), api))
