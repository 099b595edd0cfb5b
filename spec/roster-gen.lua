--- Writes a roster of N generated patients (YAML documents) for the
-- streaming and memory measurements:
--
--   lua5.4 spec/roster-gen.lua 100000 [BAD_EVERY] > roster.yaml
--
-- The same N gives the same file (a fixed linear congruential generator).
-- With BAD_EVERY, every BAD_EVERY-th record has a wrongly typed field, so
-- that a run can check that every record in is one result or one error out.
local n = tonumber(arg[1]) or 1000
local bad_every = tonumber(arg[2])

local CONDITIONS = { "chronic myeloid leukemia", "hairy cell leukemia", "type 2 diabetes",
  "E11.9", "depression", "F32.A", "hypertension", "asthma", "heart disease", "thyroid disease",
  "psoriasis", "hepatitis C", "I10", "kidney disease" }
local MEDICATIONS = { "Xanax 0.5mg", "Ativan 1 mg", "Benadryl", "Zyrtec", "metformin 500 mg",
  "lisinopril 10 mg", "Ambien", "oxycodone/acetaminophen 5/325", "sertraline 50 mg",
  "gabapentin 300 mg", "Tylenol", "methadone", "N05BA12", "levothyroxine" }
local SUPPLEMENTS = { "St. John's wort", "vitamin D", "fish oil", "melatonin", "valerian",
  "ginkgo", "iron", "kava" }

local state = 12345
local function rand(k)                 -- 1..k
  state = (state * 1103515245 + 12345) % 2147483648
  return state % k + 1
end

local function pick(list, count)
  local out = {}
  for i = 1, count do out[i] = ("%q"):format(list[rand(#list)]) end
  return "[" .. table.concat(out, ", ") .. "]"
end

local out = io.stdout
for i = 1, n do
  if i > 1 then out:write("---\n") end
  out:write(("id: MRN-%07d\n"):format(i))
  out:write(("sex: %s\n"):format(rand(2) == 1 and "female" or "male"))
  if bad_every and i % bad_every == 0 then
    out:write("age: \"forty\"\n")
  else
    out:write(("age: %d\n"):format(17 + rand(70)))
  end
  out:write(("conditions: %s\n"):format(pick(CONDITIONS, rand(3))))
  out:write(("medications: %s\n"):format(pick(MEDICATIONS, rand(4) - 1)))
  if rand(3) == 1 then out:write(("supplements: %s\n"):format(pick(SUPPLEMENTS, rand(2)))) end
end
