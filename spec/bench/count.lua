--- The workload callgrind counts for a decode row of the benchmark:
-- `lua count.lua MODE FILE...` decodes each file once with MODE, one of
-- "decode" (core.decode), "positions" (core.decode with positions) or
-- "lyaml" (lyaml.load) or "baseline" (everything but the decode).  Run
-- under --toggle-collect=core_decode, only the decode calls themselves are
-- counted; a whole run less the baseline counts a decode with its share of
-- garbage collection and freeing, which is how lyaml (Lua code, with no
-- one C function to toggle on) is counted.
local core = require("interferon.core")
local mode = arg[1]
if mode == "lyaml" or mode == "baseline" then require("lyaml") end
for i = 2, #arg do
  local f = assert(io.open(arg[i], "rb"))
  local text = f:read("a")
  f:close()
  if mode == "decode" then assert(core.decode(text, arg[i]))
  elseif mode == "positions" then assert(core.decode(text, arg[i], { positions = true }))
  elseif mode == "lyaml" then require("lyaml").load(text, { all = true })
  elseif mode ~= "baseline" then error("unknown mode " .. tostring(mode)) end
end
