--- Generated inputs for the benchmark: knowledge-base files with the
-- schema of data/README.md, unknown terms, and patient rosters.  Every
-- generator is deterministic (its own PRNG, seeded), so every run of
-- `make bench` measures the same bytes.
local gen = {}

-- a 63-bit LCG: deterministic on every Lua 5.3+ build
local function rng(seed)
  local x = seed * 2654435761 + 1
  return function(n)
    x = (x * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff
    return (x >> 20) % n + 1
  end
end
gen.rng = rng

local ONSETS = { "b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t",
  "v", "z", "br", "cl", "dr", "fl", "gr", "pr", "st", "tr", "ph", "th", "x" }
local VOWELS = { "a", "e", "i", "o", "u", "y", "ai", "io", "ea" }
local SUFFIXES = { "azepam", "oxetine", "pril", "olol", "amine", "idone",
  "azole", "mycin", "statin", "ine", "ol", "ate", "ex", "an", "yl" }
local WORDS = { "the", "drug", "may", "cause", "sleepiness", "with",
  "interferon", "and", "should", "be", "discussed", "doctor", "before",
  "therapy", "watch", "for", "extra", "drowsiness", "report", "every",
  "medicine", "patients", "often", "rarely", "dose", "adjust", "blood",
  "liver", "kidney", "monitor", "levels", "during", "treatment" }

-- NAME and each string made by deleting one letter of it: two names one
-- edit apart share one of these (the loader refuses such a pair across files)
local function near_keys(name)
  local keys = { "\0" .. name }
  for i = 1, #name do keys[i + 1] = "\0" .. name:sub(1, i - 1) .. name:sub(i + 1) end
  return keys
end

-- a pronounceable name not seen before, nor one edit from one seen before
-- (SEEN is shared across shards)
local function new_name(r, seen)
  for _ = 1, 1000 do
    local parts = {}
    for i = 1, r(3) + 1 do
      parts[i] = ONSETS[r(#ONSETS)] .. VOWELS[r(#VOWELS)]
    end
    local name = table.concat(parts) .. SUFFIXES[r(#SUFFIXES)]
    local keys, near = near_keys(name), false
    for _, k in ipairs(keys) do near = near or seen[k] ~= nil end
    if not near then
      for _, k in ipairs(keys) do seen[k] = true end
      return name
    end
  end
  error("name space exhausted")
end

local function sentence(r, words)
  local out = {}
  for i = 1, words do out[i] = WORDS[r(#WORDS)] end
  out[1] = out[1]:sub(1, 1):upper() .. out[1]:sub(2)
  return table.concat(out, " ") .. "."
end

local GREEK = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
  "theta" }

-- the references and classes the generated entries point to (shard 1)
local function header(out, version)
  out[#out + 1] = "format: interferon-kb/1\nversion: \"" .. version .. "\"\nentries:\n"
  for i = 1, 4 do
    out[#out + 1] = ("  - id: reference.gen_%d\n    kind: reference\n" ..
      "    name: \"Generated reference %d\"\n    title: \"Generated reference %d\"\n" ..
      "    year: %d\n    sources: [reference.gen_%d]\n\n"):format(i, i, i, 2000 + i, i)
  end
  for i = 1, 8 do
    out[#out + 1] = ("  - id: drug_class.gen_%d\n    kind: drug_class\n" ..
      "    name: \"Generated %s class\"\n    severity: moderate\n" ..
      "    codes: [\"N0%dA\"]\n    summary: >-\n      A generated class of " ..
      "drugs that cause sleepiness.\n    sources: [reference.gen_1]\n\n")
      :format(i, GREEK[i], i)
  end
end

-- CODE is unique and of a fixed width: no code falls within another
local function drug(out, r, seen, n, code)
  local name = new_name(r, seen)
  local syn = {}
  for i = 1, r(3) do
    local b = new_name(r, seen)
    syn[i] = '"' .. b:sub(1, 1):upper() .. b:sub(2) .. '"'
  end
  r(8) r(99)            -- the draws of the random code this replaced
  out[#out + 1] = ("  - id: drug.gen_%s\n    kind: drug\n    name: \"%s\"\n" ..
    "    synonyms: [%s]\n    codes: [\"N%07d\"]\n    class: [drug_class.gen_%d]\n" ..
    "    note: \"%s\"\n    evidence: classification\n    sources:\n" ..
    "      - reference.gen_1\n      - reference.gen_%d\n\n")
    :format(n, name, table.concat(syn, ", "), code, r(8),
      sentence(r, 6 + r(8)), r(4))
end

local function condition(out, r, seen, n, code)
  local name = new_name(r, seen)
  local syn = {}
  for i = 1, r(4) do syn[i] = "      - \"" .. new_name(r, seen) .. " disease\"\n" end
  r(99) r(9)            -- the draws of the random code this replaced
  out[#out + 1] = ("  - id: condition.gen_%s\n    kind: condition\n" ..
    "    name: \"%s syndrome\"\n    severity: moderate\n    synonyms:\n%s" ..
    "    codes: [\"Q%02d.%04d\"]\n    summary: >-\n      %s\n      %s\n" ..
    "    action: >-\n      %s\n    evidence: article\n    sources:\n" ..
    "      - reference.gen_1\n      - reference.gen_%d\n\n")
    :format(n, name, table.concat(syn), code // 10000, code % 10000,
      sentence(r, 10),
      sentence(r, 8), sentence(r, 12), r(4))
end

local function supplement(out, r, seen, n)
  out[#out + 1] = ("  - id: supplement.gen_%s\n    kind: supplement\n" ..
    "    name: \"%s root\"\n    type: herbal\n    synonyms: [\"%s extract\"]\n" ..
    "    class: [drug_class.gen_%d]\n    evidence: article\n" ..
    "    sources: [reference.gen_%d]\n\n")
    :format(n, new_name(r, seen), new_name(r, seen), r(8), r(4))
end

--- A knowledge-base file of about BYTES bytes.  SHARD 1 carries the
-- references and classes; shards 2.. only entries (load them after 1).
-- SEEN (shared by the shards of one lexicon) keeps every name unique.
function gen.kb(bytes, shard, seen)
  local r, out, size, n = rng(shard), {}, 0, 0
  if shard == 1 then header(out, "gen-1") else
    out[1] = "format: interferon-kb/1\nversion: \"gen-" .. shard .. "\"\nentries:\n"
  end
  for _, s in ipairs(out) do size = size + #s end
  while size < bytes do
    n = n + 1
    local before = #out
    local pick, id = r(10), shard .. "_" .. n
    if pick <= 6 then drug(out, r, seen, id, shard * 100000 + n)
    elseif pick <= 8 then condition(out, r, seen, id, shard * 10000 + n)
    else supplement(out, r, seen, id) end
    for i = before + 1, #out do size = size + #out[i] end
  end
  return table.concat(out), n
end

-- a random edit of S: delete, insert, replace or swap one letter
local function edit(r, s)
  local i, c = r(#s), string.char(96 + r(26))
  local k = r(4)
  if k == 1 and #s > 3 then return s:sub(1, i - 1) .. s:sub(i + 1) end
  if k == 2 then return s:sub(1, i) .. c .. s:sub(i + 1) end
  if k == 3 or i == #s then return s:sub(1, i - 1) .. c .. s:sub(i + 1) end
  return s:sub(1, i - 1) .. s:sub(i + 1, i + 1) .. s:sub(i, i) .. s:sub(i + 2)
end

--- COUNT terms the lexicon does not hold as they are: half are two random
-- edits away from a name of NAMES, half random letters.
function gen.unknown(count, names)
  local r, out = rng(7), {}
  for i = 1, count do
    if i % 2 == 0 then
      out[i] = edit(r, edit(r, names[r(#names)]))
    else
      local t = {}
      for j = 1, 5 + r(9) do t[j] = string.char(96 + r(26)) end
      out[i] = table.concat(t)
    end
  end
  return out
end

local DOSES = { " 5 mg tablet", " 10mg daily", " 0.5 mg BID", " 20 mg",
  " 100 mg PO qhs", " 1 tab PRN", " 250 mg capsule", " 2 mg at bedtime" }

--- The typical patient of the screening row: 5 conditions, 8 medications
-- with doses, 3 supplements (names, synonyms, codes, a misspelling).
gen.PATIENT = {
  id = "MRN-0042", sex = "female", age = 41, pregnant = false,
  conditions = { "type 2 diabetes", "F32.A", "high blood pressure",
    "asthma", "hypothyroidism" },
  medications = { "lorazepam 1 mg tablet", "Benadryl 25mg", "sertraline 50 mg daily",
    "metformin 500 mg BID", "Lipitor 20 mg", "oxycodone/acetaminophen 5/325",
    "zolpidem 10 mg at bedtime", "levothyroxin 75 mcg" },
  supplements = { "St. John's wort", "vitamin D 1000 IU", "fish oil" },
}

--- The same, with terms the bundled KB knows, every one.
gen.KNOWN_PATIENT = {
  id = "MRN-0043", sex = "male", age = 58, pregnant = false,
  conditions = { "type 2 diabetes", "F32.A", "asthma", "hypothyroidism", "seizures" },
  medications = { "lorazepam 1 mg tablet", "Benadryl 25mg", "sertraline 50 mg daily",
    "Xanax 0.5 mg BID", "oxycodone 5 mg", "zolpidem 10 mg at bedtime",
    "gabapentin 300 mg TID", "Ambien 5mg" },
  supplements = { "St. John's wort", "vitamin D 1000 IU", "fish oil" },
}

local function yaml_list(key, items)
  local out = { "  " .. key .. ":\n" }
  for _, s in ipairs(items) do out[#out + 1] = "    - \"" .. s .. "\"\n" end
  return table.concat(out)
end

--- Writes COUNT patients to PATH as YAML documents, built from the
-- bundled KB's NAMES (by field) with doses, and a few unknown terms.
function gen.roster(path, count, names)
  local r = rng(11)
  local f = assert(io.open(path, "wb"))
  for i = 1, count do
    local conds, meds, sups = {}, {}, {}
    for j = 1, 5 do conds[j] = names.conditions[r(#names.conditions)] end
    for j = 1, 8 do
      meds[j] = names.medications[r(#names.medications)] .. DOSES[r(#DOSES)]
    end
    for j = 1, 3 do sups[j] = names.supplements[r(#names.supplements)] end
    if i % 10 == 0 then meds[8] = "unknownium " .. i end
    f:write(("---\nid: \"P%07d\"\nage: %d\nsex: %s\n"):format(i, 18 + r(70),
      r(2) == 1 and "female" or "male"))
    f:write(yaml_list("conditions", conds):sub(3), yaml_list("medications", meds):sub(3),
      yaml_list("supplements", sups):sub(3))
  end
  f:close()
end

return gen
