--- What the out-of-memory host (spec/oom/host.c) runs while allocation k
-- fails: load a knowledge base with an overlay, read a roster, screen
-- each patient, check symptoms, look terms up and write every report; or,
-- with OOM_PART=image, load the bundled knowledge base from the module's
-- build-time image, look terms up and screen (a pass of its own: reading
-- the image makes thousands of allocations, and each is failed in turn).
-- Returns a summary that does not depend on addresses, so that a run
-- after a failure can be compared with the first, clean one.
local interferon = require("interferon")

local root = os.getenv("INTERFERON_ROOT") or "."
local dir = root .. "/spec/oom/"

local function image()
  local bundled = assert(interferon.load())
  local out = { bundled.version, bundled.checksum }
  for _, term in ipairs({ "Ambien", "Ambienn", "E11.9", "nothing such" }) do
    local entry, found = bundled:lookup(term)
    out[#out + 1] = entry and entry.id .. " " .. found or "none " .. #found
  end
  local result = assert(bundled:screen({ medications = { "Xanax 0.5mg", "lorazepan" },
    conditions = { "depression" } }))
  out[#out + 1] = interferon.report(result, "json")
  return table.concat(out, "\n")
end

if os.getenv("OOM_PART") == "image" then return image end

return function()
  local kb = assert(interferon.load({ dir .. "kb.yaml", dir .. "site.yaml" },
    { bundled = false }))
  local out = { tostring(kb), kb.checksum }
  local results = {}
  for p, err, n in interferon.patients(dir .. "roster.yaml") do
    if p then
      local result = assert(kb:screen(p))
      results[#results + 1] = result
      out[#out + 1] = ("%d %s %d %d"):format(n, result.status, #result.findings,
        #result.unrecognized)
    else
      out[#out + 1] = ("%d %s"):format(n, err)
    end
  end
  results[#results + 1] = assert(kb:check_symptoms({ "Nausea", "nausae", "other" }))
  local e, how = kb:lookup("Brandtwo")
  out[#out + 1] = e.id .. " " .. how
  out[#out + 1] = select(2, kb:lookup("drugthree")) and "suggested" or "-"
  out[#out + 1] = assert(kb:explain("drug.d1"))
  for _, result in ipairs(results) do
    for _, format in ipairs({ "text", "markdown", "json", "html" }) do
      out[#out + 1] = interferon.report(result, format)   -- cited from the kb that made it
    end
  end
  return table.concat(out, "\n")
end
