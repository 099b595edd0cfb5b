--- A loaded knowledge base: lookups, listings, explanations and screening.
-- The object a user holds is a read-only view; its state lives here, keyed
-- weakly by that view.  `interferon.load` and `interferon.default` return
-- one; call its methods with `:`.  It also has the fields `version` (from
-- the data), `checksum` (hex SHA-256 over the loaded bytes) and `sources`
-- (the reference entries), and `tostring(kb)` describes it in one line.
-- @module interferon.kb
local compile = require("interferon.compile")
local patient = require("interferon.patient")
local schema = require("interferon.schema")
local text = require("interferon.text")
local util = require("interferon.util")

local KB = {}
local methods = {}
local state = setmetatable({}, { __mode = "k" })
-- result -> the knowledge base (view) that made it.  A result stays a plain
-- table the caller may change or serialise; this map only remembers where
-- it came from, for reports that cite its sources.
local made_by = setmetatable({}, { __mode = "k" })

--- The knowledge base that made RESULT (a result of `kb:screen` or
-- `kb:check_symptoms`), or nil for any other table.
-- @local
function KB.of(result)
  return made_by[result]
end

--- The notice every result and report carries.
KB.NOTICE = "This screening supports, and does not replace, clinical judgement: " ..
  "it reports what the knowledge base matched and what it could not recognise."

local ALL_KINDS, FIELD_MASK = 0, {}
for _, bit in pairs(schema.KIND_BIT) do ALL_KINDS = ALL_KINDS + bit end
for field, kinds in pairs(schema.FIELD_KINDS) do
  local mask = 0
  for _, k in ipairs(kinds) do mask = mask + schema.KIND_BIT[k] end
  FIELD_MASK[field] = mask
end
local MEDICATION_MASK = FIELD_MASK.medications

-- the state of the knowledge base SELF, for its method FNAME
local function self_state(self, fname)
  local s = state[self]
  if not s then
    util.argerror(1, fname, ("knowledge base expected, got %s"):format(type(self)), 2)
  end
  return s
end

local function check_string(v, n, fname) util.checktype(v, "string", n, fname, 2) end

--- The entry with this id.
-- @function kb:get
-- @tparam string id an id of the form `kind.slug`, e.g. `"condition.depression"`
-- @treturn ?table the entry (read-only), or nil when there is none
-- @raise `bad argument #1 to 'get' (string expected, got ...)`, and
-- `(knowledge base expected, ...)` when not called on a knowledge base
function methods:get(id)
  local s = self_state(self, "get")
  check_string(id, 1, "get")
  return s.frozen[id]
end

local function suggestion_names(s, numbers)
  local out = {}
  for i, n in ipairs(numbers) do out[i] = s.entries[s.ids[n]].name end
  return out
end

--- Finds the entry a term names: by name or synonym, then by ICD-10-CM or
-- ATC code, then approximately; medication doses and forms are ignored.
-- @function kb:lookup
-- @tparam string term what a person typed, e.g. `"Ativan 1 mg"`
-- @treturn table the entry
-- @treturn string how it matched: `"exact"`, `"synonym"`, `"code"` or `"approximate"`
-- @return[2] nil when nothing matches
-- @treturn[2] {string,...} up to three suggested entry names (possibly empty)
-- @raise `bad argument #1 to 'lookup' (string expected, got ...)`
function methods:lookup(term)
  local s = self_state(self, "lookup")
  check_string(term, 1, "lookup")
  -- as written, then as a medication (doses dropped), then the longest
  -- known run of words in either; suggestions from every try, at most 3
  local tries = {
    { ALL_KINDS, "plain", false }, { MEDICATION_MASK, "medication", false },
    { ALL_KINDS, "plain", true }, { MEDICATION_MASK, "medication", true },
  }
  local sugg, seen = {}, {}
  for _, try in ipairs(tries) do
    local n, how = s.index:match(term, try[1], try[2], try[3])
    if n then return s.frozen[s.ids[n]], how end
    for _, x in ipairs(how) do
      if not seen[x] and #sugg < 3 then sugg[#sugg + 1], seen[x] = x, true end
    end
  end
  return nil, suggestion_names(s, sugg)
end

local function matches(e, filter)
  for k, want in pairs(filter) do
    local v = e[k]
    if type(v) == "table" then
      local found = false
      for _, x in ipairs(v) do found = found or x == want end
      if not found then return false end
    elseif v ~= want then
      return false
    end
  end
  return true
end

--- The entries of a kind, ordered by id.
-- @function kb:list
-- @tparam[opt] string kind e.g. `"side_effect"`; all entries when nil
-- @tparam[opt] table filter fields an entry must have, e.g.
-- `{ frequency = "less_common" }`; for a list field, the list must hold the value
-- @treturn {table,...} the entries (possibly none)
-- @raise `bad argument #1 to 'list' (unknown kind 'x') (did you mean 'y'?)`,
-- or `bad argument #2 ...` when FILTER is not a table
function methods:list(kind, filter)
  local s = self_state(self, "list")
  if kind ~= nil then
    check_string(kind, 1, "list")
    if not schema.KIND_BIT[kind] then
      -- the suggestion goes after the parenthesis, as elsewhere
      error(("bad argument #1 to 'list' (unknown kind '%s')%s")
        :format(kind, util.did_you_mean(kind, schema.KINDS)), 2)
    end
  end
  if filter ~= nil then util.checktype(filter, "table", 2, "list") end
  local out = {}
  for _, id in ipairs(s.ids) do
    local e = s.entries[id]
    if (kind == nil or e.kind == kind) and (filter == nil or matches(e, filter)) then
      out[#out + 1] = s.frozen[id]
    end
  end
  return out
end

--- A multi-line human text about an entry, with its sources in full.
-- @function kb:explain
-- @tparam string id the entry's id
-- @treturn string the text
-- @return[2] nil when there is no such entry
-- @treturn[2] string `"unknown id 'x' (did you mean 'y'?)"`
-- @raise `bad argument #1 to 'explain' (string expected, got ...)`
function methods:explain(id)
  local s = self_state(self, "explain")
  check_string(id, 1, "explain")
  local e = s.entries[id]
  if not e then
    return nil, ("unknown id '%s'%s"):format(id, util.did_you_mean(id, s.ids))
  end
  local out = { ("%s (%s)"):format(e.name, e.id) }
  local function add(label, value)
    if value then out[#out + 1] = text.wrap(label .. ": " .. value, 78, "") end
  end
  add("kind", e.kind:gsub("_", " "))
  add("severity", e.severity)
  add("frequency", e.frequency and e.frequency:gsub("_", " "))
  if e.summary then out[#out + 1] = text.wrap(e.summary, 78, "") end
  add("action", e.action)
  add("note", e.note)
  add("also called", e.synonyms and table.concat(e.synonyms, ", "))
  add("codes", e.codes and table.concat(e.codes, ", "))
  add("class", e.class and table.concat(e.class, ", "))
  add("members", e.members and table.concat(e.members, ", "))
  add("evidence", e.evidence)
  out[#out + 1] = "sources:"
  for _, src in ipairs(e.sources) do
    local cite = text.citation(s.entries[src], true)
    out[#out + 1] = "  " .. text.wrap(("[%s] %s"):format(src, cite), 78, "  ")
  end
  return table.concat(out, "\n")
end

-- the result table; FINDINGS, UNRECOGNIZED and RECOGNIZED default to new
-- lists, PATIENT is kb:screen's summary of the record (nil elsewhere).
-- The constructor names every key a screening result has, so that the
-- table is made at its size once (a key added later grows it); the
-- status is "review" until `finish` says otherwise
local function new_result(s, kind, findings, unrecognized, recognized, patient_summary)
  return { type = kind, status = "review", findings = findings or {},
    unrecognized = unrecognized or {}, recognized = recognized or {},
    counts = { critical = 0, high = 0, moderate = 0, low = 0, info = 0, recognized = 0 },
    kb = { version = s.version, checksum = s.checksum }, notice = KB.NOTICE,
    patient = patient_summary }
end

-- findings ordered as the C screening orders them: severity, id, then
-- the order they were made in
local function sort_findings(findings)
  local seq = {}
  for i, f in ipairs(findings) do seq[f] = i end
  table.sort(findings, function(a, b)
    local ra, rb = schema.RANK[a.severity], schema.RANK[b.severity]
    if ra ~= rb then return ra < rb end
    if a.id ~= b.id then return a.id < b.id end
    return seq[a] < seq[b]
  end)
end

-- the finding a concern template makes for an implied condition
local function implied_finding(t, condition, drug, input)
  local f = {}
  for k, v in pairs(t) do
    if type(v) == "table" then
      f[k] = {}
      for i, x in ipairs(v) do f[k][i] = x end
    else
      f[k] = v
    end
  end
  f.matched, f.field, f.input, f.match = condition, "medications", input, "implied"
  f.via = drug and drug.id
  return f
end

-- whether the record named entry ID: a finding it raised or a term
-- recognised (a scan: few medicines imply anything, and it saves a set)
local function names(findings, recognized, id)
  for i = 1, #findings do if findings[i].matched == id then return true end end
  for i = 1, #recognized do if recognized[i].id == id then return true end end
  return false
end

-- Conditions implied by the medicines a patient takes (a drug's
-- `implies`): each condition once, in medication order, and only when the
-- record does not already name it.  HITS are the medicines that name a
-- drug that implies one ({ input, id, ... }: the C loop picks them from the
-- sorted findings, then the recognised terms), or nil.
local function add_implied(s, result, medications, hits)
  if not hits then return end               -- most patients: nothing implies
  local findings, recognized = result.findings, result.recognized
  local unnamed = false                     -- else nothing can be added
  for i = 2, #hits, 2 do
    for _, c in ipairs(s.entries[hits[i]].implies) do
      unnamed = unnamed or not names(findings, recognized, c)
    end
  end
  if not unnamed then return end
  local by_input = {}
  for i = 1, #hits, 2 do
    local input = hits[i]
    local ids = by_input[input]
    if not ids then ids = {} by_input[input] = ids end
    ids[#ids + 1] = hits[i + 1]
  end
  local implied, added, evidence = nil, false, nil     -- made when needed
  for _, input in ipairs(medications or {}) do
    local drugs = by_input[input]
    for j = 1, drugs and #drugs or 0 do
      local drug = drugs[j]
      for _, c in ipairs(s.entries[drug].implies) do
        if not (implied and implied[c]) and not names(findings, recognized, c) then
          implied, evidence = implied or {}, evidence or {}
          implied[c], evidence[drug .. "\0" .. input] = true, true
          for _, t in ipairs(s.concerns[s.number[c]]) do
            findings[#findings + 1] = implied_finding(t, c, s.entries[drug], input)
            added = true
          end
        end
      end
    end
    by_input[input] = nil                  -- an input listed twice implies once
  end
  if not added then return end
  sort_findings(result.findings)
  -- a medicine that implied a finding is that finding's input, no longer
  -- "recognised, no concern"; the same words in another field (a drug
  -- listed among the supplements too) are another input, still recognised
  local kept = {}
  for _, x in ipairs(result.recognized) do
    if x.field ~= "medications" or not evidence[x.id .. "\0" .. x.input] then
      kept[#kept + 1] = x
    end
  end
  result.recognized = kept
end

-- completes RESULT: implied conditions (add_implied), counts and status
local function finish(s, result, medications, hits)
  add_implied(s, result, medications, hits)
  local counts = result.counts
  for _, f in ipairs(result.findings) do
    counts[f.severity] = counts[f.severity] + 1
  end
  counts.recognized = #result.recognized
  result.status = (#result.findings == 0 and #result.unrecognized == 0)
    and "clear" or "review"
  return result
end

local function field_spec(name, items)
  local medication = name == "medications" or name == "supplements"
  return { name = name, kinds = FIELD_MASK[name], items = items,
    mode = medication and "medication" or "plain", split = medication }
end

-- the specs of the list fields, items read from the patient by the C loop
local LIST_SPECS = {}
for i, name in ipairs(patient.LISTS) do LIST_SPECS[i] = field_spec(name) end

-- the specs kb:screen passes for patient P: the list fields, then a flag
-- spec per flag P sets that raises entries of this knowledge base
local function screen_specs(s, p)
  local fields
  for _, flag in ipairs(patient.FLAGS) do
    local entries = s.flags[flag]
    if rawget(p, flag) == true and entries then
      if not fields then
        fields = {}
        for i, spec in ipairs(LIST_SPECS) do fields[i] = spec end
      end
      local inputs = {}
      for i = 1, #entries do inputs[i] = flag .. ": true" end
      fields[#fields + 1] = { name = flag, entries = entries, inputs = inputs }
    end
  end
  return fields or LIST_SPECS
end

--- Screens a patient for contraindications, interactions and reported
-- symptoms.  The library never says a patient is safe: `status` is
-- `"clear"` only when nothing was found and nothing went unrecognised.
-- @function kb:screen
-- @tparam table patient optional fields `id`, `sex` (strings), `age`
-- (number), `pregnant`, `breastfeeding` (booleans), and the lists of
-- strings `conditions`, `medications`, `supplements`, `symptoms`
-- @treturn table the result: `status`, `findings` (most severe first),
-- `unrecognized`, `counts` per severity, `kb`, `patient`, `notice`
-- @return[2] nil when a field is unknown or of the wrong type
-- @treturn[2] string the message, e.g.
-- `"field 'pregnant' must be true or false, got string \"no\""`
-- @treturn[2] string the field at fault
-- @raise `bad argument #1 to 'screen' (table expected, got ...)`
function methods:screen(p)
  local s = self_state(self, "screen")
  util.checktype(p, "table", 1, "screen")
  local clean = p                          -- most records: checked in C, as they are
  if not patient.plain(p) then
    local err, field
    clean, err, field = patient.check(p)
    if not clean then return nil, err, field end
  end
  -- the findings, unrecognised and recognised terms, and the medicines
  -- that may imply a condition; list specs read their items from CLEAN
  local findings, unrecognized, recognized, hits =
    s.index:screen(screen_specs(s, clean), schema.RANK, clean, s.implying)
  local result = new_result(s, "screening", findings, unrecognized, recognized,
    { id = rawget(clean, "id"), sex = rawget(clean, "sex"), age = rawget(clean, "age"),
      pregnant = rawget(clean, "pregnant"), breastfeeding = rawget(clean, "breastfeeding") })
  made_by[result] = self
  return finish(s, result, rawget(clean, "medications"), hits)
end

--- Checks symptoms reported during therapy: a listed side effect is a
-- finding with its frequency, suicidal thoughts are `critical`, and a
-- symptom the knowledge base does not list goes to `unrecognized`.
-- @function kb:check_symptoms
-- @tparam {string,...} list the symptoms
-- @treturn table a result of the same shape as `kb:screen`'s
-- @return[2] nil when LIST is not a list of strings
-- @treturn[2] string the message
-- @raise `bad argument #1 to 'check_symptoms' (table expected, got ...)`
function methods:check_symptoms(list)
  local s = self_state(self, "check_symptoms")
  util.checktype(list, "table", 1, "check_symptoms")
  local ok, err = patient.check_list("symptoms", list)
  if not ok then return nil, err end
  local result = new_result(s, "symptoms",
    s.index:screen({ field_spec("symptoms", list) }, schema.RANK))
  made_by[result] = self
  return finish(s, result)
end

-- ------------------------------------------------------------------------
-- PHQ-9
-- ------------------------------------------------------------------------

-- The published severity bands of the PHQ-9 total, highest first
-- (Kroenke, Spitzer & Williams 2001: data/kb/90-phq9.yaml restates them).
local PHQ9_BANDS = { { 20, "severe" }, { 15, "moderately severe" }, { 10, "moderate" },
  { 5, "mild" }, { 0, "minimal" } }
local PHQ9_ITEMS = 9
local PHQ9_DEPRESSION_AT = 10          -- the cut-off for probable major depression
local PHQ9_ENTRY = "advice.phq9_monitoring"
local PHQ9_WARNINGS = { "warning.suicidal_thoughts", "warning.depression" }

local function phq9_band(total)
  for _, b in ipairs(PHQ9_BANDS) do
    if total >= b[1] then return b[2] end
  end
end

-- the items checked and copied, or nil and the message
local function phq9_items(items)
  local n = 0
  for k in pairs(items) do
    if type(k) ~= "number" or k < 1 or k % 1 ~= 0 then
      return nil, ("PHQ-9 items must be a list, got the key '%s'"):format(tostring(k))
    end
    n = n + 1
  end
  if n ~= PHQ9_ITEMS then
    return nil, ("PHQ-9 needs %d item scores, got %d"):format(PHQ9_ITEMS, n)
  end
  local copy = {}
  for i = 1, PHQ9_ITEMS do
    local v = items[i]
    if v == nil then return nil, ("item %d is missing"):format(i) end
    if type(v) ~= "number" or (v ~= 0 and v ~= 1 and v ~= 2 and v ~= 3) then
      return nil, ("item %d must be 0, 1, 2 or 3, got %s"):format(i,
        type(v) == "string" and ("%q"):format(v) or tostring(v))
    end
    copy[i] = math.floor(v)              -- 1.0 is 1 on 5.3 and 5.4
  end
  return copy
end

-- the finding warning ID makes for a PHQ-9 score: the entry's own concern,
-- citing the PHQ-9 entry's sources after the warning's
local function phq9_finding(s, id, input)
  local f = implied_finding(s.concerns[s.number[id]][1], id, nil, input)
  f.field, f.match, f.via = "phq9", "score", nil
  local seen = {}
  for _, src in ipairs(f.sources) do seen[src] = true end
  for _, src in ipairs(s.entries[PHQ9_ENTRY].sources) do
    if not seen[src] then f.sources[#f.sources + 1], seen[src] = src, true end
  end
  return f
end

--- Scores a PHQ-9 (the nine-item depression questionnaire) taken during
-- therapy.  A total of 10 or more raises the depression warning; any answer
-- above 0 to item 9 (thoughts of being better off dead or of self-harm)
-- raises the suicidal-thoughts warning, `critical`, whatever the total.
-- @function kb:score_phq9
-- @tparam {int,...} items the nine item scores, each 0, 1, 2 or 3, in order
-- @treturn table a result of the same shape as `kb:screen`'s, with
-- `type = "phq9"`, `items`, `total` (0-27) and `band` (`"minimal"`,
-- `"mild"`, `"moderate"`, `"moderately severe"` or `"severe"`)
-- @return[2] nil when ITEMS is not nine scores of 0-3, or the knowledge
-- base lacks the PHQ-9 or warning entries
-- @treturn[2] string the message, e.g. `"item 4 must be 0, 1, 2 or 3, got 5"`
-- @raise `bad argument #1 to 'score_phq9' (table expected, got ...)`
function methods:score_phq9(items)
  local s = self_state(self, "score_phq9")
  if type(items) ~= "table" then
    error(("bad argument #1 to 'score_phq9' (table expected, got %s)"):format(type(items)), 2)
  end
  local list, err = phq9_items(items)
  if not list then return nil, err end
  for _, id in ipairs({ PHQ9_ENTRY, PHQ9_WARNINGS[1], PHQ9_WARNINGS[2] }) do
    if not s.entries[id] then
      return nil, ("this knowledge base has no '%s' entry: it cannot score a PHQ-9"):format(id)
    end
  end
  local total = 0
  for _, v in ipairs(list) do total = total + v end
  local result = new_result(s, "phq9")
  result.items, result.total, result.band = list, total, phq9_band(total)
  local findings = result.findings
  if list[PHQ9_ITEMS] > 0 then
    findings[#findings + 1] = phq9_finding(s, PHQ9_WARNINGS[1],
      ("PHQ-9 item 9: %d"):format(list[PHQ9_ITEMS]))
  end
  if total >= PHQ9_DEPRESSION_AT then
    findings[#findings + 1] = phq9_finding(s, PHQ9_WARNINGS[2],
      ("PHQ-9 total: %d (%s)"):format(total, result.band))
  end
  sort_findings(findings)
  for _, f in ipairs(findings) do result.counts[f.severity] = result.counts[f.severity] + 1 end
  result.status = #findings == 0 and "clear" or "review"
  return result
end

local function describe(s)
  local counts, kinds = {}, {}
  for _, id in ipairs(s.ids) do
    local k = s.entries[id].kind
    if not counts[k] then kinds[#kinds + 1] = k end
    counts[k] = (counts[k] or 0) + 1
  end
  table.sort(kinds)
  local parts = {}
  for _, k in ipairs(kinds) do parts[#parts + 1] = ("%s %d"):format(k, counts[k]) end
  return ("interferon knowledge base %s: %d entries (%s)")
    :format(s.version, #s.ids, table.concat(parts, ", "))
end

local VIEW_MT = {
  __index = function(self, key)
    local s = state[self]
    if key == "version" then return s.version end
    if key == "checksum" then return s.checksum end
    if key == "sources" then             -- made when first asked for
      if not s.sources then
        local refs = {}
        for i, id in ipairs(s.references) do refs[i] = s.frozen[id] end
        s.sources = util.readonly(refs)
      end
      return s.sources
    end
    return methods[key]
  end,
  __newindex = function(_, key)
    error(("attempt to modify a read-only knowledge base (field '%s')"):format(tostring(key)), 2)
  end,
  __tostring = function(self) return describe(state[self]) end,
  __name = "interferon.kb",
  __metatable = "read-only",
}

--- Derives from compiled state S what a knowledge base's view needs of its
-- entries at once: `flags` (patient flag -> entry numbers), `implying`
-- (id -> true for a drug that implies a condition) and `references` (the
-- reference ids in id order).  The build-time image carries them made.
-- @local
function KB.derive(s)
  s.flags, s.implying, s.references = {}, {}, {}
  for i, id in ipairs(s.ids) do
    local e = s.entries[id]
    if e.implies then s.implying[id] = true end
    if e.kind == "reference" then s.references[#s.references + 1] = id end
    if e.patient_flag then
      s.flags[e.patient_flag] = s.flags[e.patient_flag] or {}
      table.insert(s.flags[e.patient_flag], i)
    end
  end
  return s
end

-- The read-only view of compiled state S; an entry's read-only view is
-- made when it is first asked for (and, from an image, the entry itself).
local function view_of(s)
  local frozen = {}
  s.frozen = setmetatable(frozen, { __index = function(_, id)
    local e = s.entries[id]
    if e == nil then return nil end
    local v = util.readonly(e)
    frozen[id] = v
    return v
  end })
  if not s.references then KB.derive(s) end  -- an image has them already
  local view = setmetatable({}, VIEW_MT)
  state[view] = s
  return view
end

--- Compiles FILES ({ name =, text = }...) into a knowledge base.
-- @local
function KB.new(files)
  local s, err = compile.files(files)
  if not s then return nil, err end
  return view_of(s)
end

--- The knowledge base of IMAGE, the build-time image of the bundled files
-- (`core.image()`): the state a compile of them gives, read back.  Refused
-- (nil, message) when the image was made for another Lua or another
-- version of the module than MODULE_VERSION.
-- @local
function KB.from_image(image, module_version)
  local jit = rawget(_G, "jit")
  local lua = _VERSION .. (jit and " " .. jit.version or "")
  local built = image.lua .. (image.jit ~= "" and " " .. image.jit or "")
  if built ~= lua or image.module ~= module_version then
    return nil, ("the bundled knowledge base's image was built for %s and %s, "
      .. "not %s and %s: rebuild the module"):format(built, image.module, lua,
      module_version)
  end
  local s = image.state
  s.index = image.index
  return view_of(s)
end

return KB
