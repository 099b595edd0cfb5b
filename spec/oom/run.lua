--- What the out-of-memory host (spec/oom/host.c) runs while allocation k
-- fails: load a knowledge base with an overlay, read a roster, screen
-- each patient, check symptoms, look terms up and write every report.
-- Returns a summary that does not depend on addresses, so that a run
-- after a failure can be compared with the first, clean one.
local interferon = require("interferon")

local root = os.getenv("INTERFERON_ROOT") or "."
local dir = root .. "/spec/oom/"

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
      out[#out + 1] = interferon.report(result, format, { kb = kb })
    end
  end
  return table.concat(out, "\n")
end
