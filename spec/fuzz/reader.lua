--- Fuzz harness: the patient reader (core.open on a file, reader:next
-- to the end).  Every record is a value or false and a positioned
-- message, numbered in order; the reader always ends; each table it
-- yields goes through kb:screen, which returns a result or nil and a
-- message, never an error.
local core = require("interferon.core")
local interferon = require("interferon")

local kb = interferon.default()
local path = os.tmpname()

local function run(text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local reader = assert(core.open(path, { positions = true, max_nodes = 20000 }))
  local n = 0
  while true do
    local value, err, record = reader:next()
    if value == nil then break end
    n = n + 1
    if n > #text + 10 then error("the reader does not end") end
    if record ~= n then error("record numbers out of order") end
    if value == false and type(err) == "string" then
      if type(err) ~= "string" or not err:find("^" .. path:gsub("%p", "%%%0") .. ":%d+:%d+: ") then
        error("unpositioned refusal: " .. tostring(err))
      end
    elseif type(value) == "table" then
      local result, msg = kb:screen(value)
      if result == nil and type(msg) ~= "string" then error("screen gave no message") end
    end
  end
  reader:close()
  if reader:next() ~= nil then error("a closed reader yields") end
end

return run, function() os.remove(path) end
