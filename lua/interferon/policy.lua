--- The severity policy (data/README.md, "Severity policy"): an entry that
-- says why it is a concern (`basis`) may only carry the severities allowed
-- for that basis.  Checked when an entry is added, so a bundled or site
-- file that breaks the policy is refused with the position of its
-- `severity`.  Overlays (`extends:`) may only raise a severity, which the
-- compiler checks itself; they cannot change `basis`.
local util = require("interferon.util")

local policy = {}

--- The severities each basis allows, most severe first.
policy.ALLOWED = {
  contraindication = { "critical" },
  risk_to_life = { "critical" },
  boxed_warning = { "critical", "high" },
  regulator_advice = { "critical", "high" },
  warning = { "critical", "high", "moderate" },
  precaution = { "high", "moderate" },
  special_concern = { "high", "moderate" },
  interaction = { "high", "moderate", "low" },
  side_effect = { "moderate", "low", "info" },
  advice = { "low", "info" },
}

local function allows(basis, severity)
  for _, level in ipairs(policy.ALLOWED[basis] or {}) do
    if level == severity then return true end
  end
  return false
end

--- Raises a failure (util.fail) "FILE:LINE:COL: ..." when entry E breaks
-- the policy; WHERE(key) gives the position prefix of E's KEY.
function policy.check(e, where)
  local basis, severity = e.basis, e.severity
  if basis == nil then return end
  if severity == nil then
    util.fail(where("basis") .. ("'%s' has a 'basis' but no 'severity'"):format(e.id))
  end
  if not allows(basis, severity) then
    local allowed = policy.ALLOWED[basis]
    util.fail(where("severity") .. ("severity '%s' breaks the policy for basis '%s' "
      .. "of '%s' (allowed: '%s')"):format(severity, basis, e.id,
      table.concat(allowed, "', '")))
  end
end

return policy
