--- Fuzz harness: the YAML decoder (core.decode).  Any input gives
-- documents or nil and a positioned message; the documents, walked with
-- aliases expanded, never hold more nodes than the budget nor nest deeper
-- than the limit (so no cycle and no alias bomb gets through).
local core = require("interferon.core")

local LIMITS = { positions = true, max_nodes = 20000, max_depth = 32 }

local function walk(v, depth, count)
  count[1] = count[1] + 1
  if count[1] > LIMITS.max_nodes then error("a document walks past the node budget") end
  if depth > LIMITS.max_depth + 1 then error("a document nests past the depth limit") end
  if type(v) == "table" then
    for k, x in next, v do
      walk(k, depth + 1, { 0 })
      walk(x, depth + 1, count)
    end
  end
end

local function check(text, opts)
  local docs, err = core.decode(text, "fuzz.yaml", opts)
  if docs == nil then
    if type(err) ~= "string" or not err:find("^fuzz%.yaml:%d+:%d+: ") then
      error("unpositioned refusal: " .. tostring(err))
    end
    return
  end
  -- the positions table comes only when asked for
  if type(docs) ~= "table" or type(err) ~= (opts.positions and "table" or "nil") then
    error("bad results")
  end
  if opts.max_nodes then
    for _, doc in ipairs(docs) do walk(doc, 0, { 0 }) end
  end
end

return function(text)
  check(text, LIMITS)
  check(text, {})
end
