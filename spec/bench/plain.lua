--- The screening of `kb:screen`, in plain Lua, for the benchmark to beat.
-- Written as a good Lua programmer would write it: the lexicon's keys are
-- normalised once, up front, into hash tables per field; a term is
-- normalised with gsub (a memoised table for UTF-8 sequences), dose words
-- dropped the same way, codes found by prefix, and an approximate match
-- by an edit distance over the terms of about the same length; recognised
-- terms and implied conditions as kb:screen lists them.  It returns a
-- result table of the same shape with the same content on the benchmark's
-- patients (checked before anything is timed).  It does not read a term
-- word by word (csrc/phrase.c) nor check a misspelling against the
-- dictionary: the benchmark's patients need neither, and the check above
-- would fail if they did.
local patient = require("interferon.patient")
local schema = require("interferon.schema")

local plain = {}

local function set(list)
  local t = {}
  for _, w in ipairs(list) do t[w] = true end
  return t
end

-- the matcher's word lists, read from the same data the C build compiles
-- in (data/match/words.txt): dose and form words, salts, cations
local function word_lists()
  local lists, section = {}, nil
  for line in io.lines("data/match/words.txt") do
    line = line:gsub("#.*", ""):match("^%s*(.-)%s*$")
    section = line:match("^%[(%w+)%]$") or section
    if line ~= "" and not line:find("[%[ ]") and section then
      lists[section] = lists[section] or {}
      table.insert(lists[section], line)
    end
  end
  local dose = set(lists.dose)
  for _, w in ipairs(lists.form) do dose[w] = true end
  return dose, set(lists.salt), set(lists.cation)
end
local DOSE, SALT, CATION = word_lists()

local LATIN1 = "aaaaaaaceeeeiiiidnooooo\0ouuuuy\0saaaaaaaceeeeiiiidnooooo\0ouuuuy\0y"

-- what one code point becomes: a letter, "" (joined) or " " (separator)
local function fold_cp(cp, bytes)
  if cp >= 0xC0 and cp <= 0xFF then
    local c = LATIN1:sub(cp - 0xBF, cp - 0xBF)
    if c ~= "\0" then return c end
  end
  if cp == 0xB5 or cp == 0x3BC then return "u" end
  if cp == 0x2018 or cp == 0x2019 or cp == 0x2BC then return "" end
  if cp >= 0x370 and cp ~= 0xFFFD and not (cp >= 0x2000 and cp <= 0x2BFF)
      and not (cp >= 0x3000 and cp <= 0x303F) then
    return bytes
  end
  return " "
end

-- a run of non-ASCII bytes, folded sequence by sequence (invalid bytes
-- are separators); memoised, since the same few characters recur
local UTF8 = setmetatable({}, { __index = function(t, run)
  local out, i = {}, 1
  while i <= #run do
    local ok, cp = pcall(utf8.codepoint, run, i)
    local len = ok and #utf8.char(cp) or 1
    if ok and cp >= 0x80 and cp <= 0x7FF and len == 2 or ok and len > 2 then
      out[#out + 1] = fold_cp(cp, run:sub(i, i + len - 1))
    else
      out[#out + 1], len = " ", 1
    end
    i = i + len
  end
  local s = table.concat(out)
  t[run] = s
  return s
end })

--- Case, accents, quotes and punctuation folded: words and single spaces.
function plain.fold(s)
  s = s:gsub("[\128-\255]+", UTF8):gsub("['`]", ""):lower()
  s = s:gsub("[^%w\128-\255]+", " "):match("^ *(.-) *$")
  if #s > 255 then return nil end
  return s
end

local function is_dose_word(w, after_number)
  if #w == 1 and not w:find("^%d") then return after_number and DOSE[w] or false end
  local rest = w:match("^%d+(.*)$")
  if rest then return rest == "" or DOSE[rest] or false end
  local unit = w:match("^q%d+(%a*)$")
  if unit then return unit == "h" or unit == "hr" or unit == "hrs" end
  return DOSE[w] or false
end

--- Medication mode: dose and form words dropped, salts when another word
-- stays, a cation when it follows a substance ("losartan potassium").
function plain.medication(s)
  s = plain.fold(s)
  if not s or s == "" then return s end
  local words, keep, kept, substance, cation = {}, {}, 0, 0, 0
  for w in s:gmatch("%S+") do words[#words + 1] = w end
  for i, w in ipairs(words) do
    local dose = is_dose_word(w, i > 1 and words[i - 1]:find("^%d") ~= nil)
    if dose and (w == "am" or w == "pm") and i > 1 and keep[i - 1] then dose = false end
    keep[i] = dose and "no" or SALT[w] and "salt" or CATION[w] and "cation" or "substance"
    if keep[i] ~= "no" then kept = kept + 1 end
    if keep[i] == "substance" then substance = substance + 1 end
    if keep[i] == "cation" then cation = cation + 1 end
  end
  local out = {}
  for i, w in ipairs(words) do
    local k = keep[i]
    if k == "cation" then                -- after a substance: its salt
      for j = i - 1, 1, -1 do
        if keep[j] ~= "no" and keep[j] ~= "salt" then
          if keep[j] == "substance" then k = "no" end
          break
        end
      end
    elseif k == "salt" and substance + cation > 0 then
      k = "no"
    end
    if kept == 0 or k ~= "no" then out[#out + 1] = w end
  end
  return table.concat(out, " ")
end

-- "F32.A" -> "F32A"; nil when the text is not shaped like a code
local function code_key(s)
  s = s:match("^[ \t]*(.-)[ \t]*$")
  if #s < 3 or #s > 9 or not s:find("^%w%w%w[%w]*%.?%w*$") then return nil end
  local key = s:gsub("%.", ""):upper()
  if #key < 3 or #key > 8 or not key:find("^%u%d") then return nil end
  return key
end

-- optimal string alignment distance, or LIMIT + 1 when above it
local function distance(a, b, limit)
  local la, lb = #a, #b
  if math.abs(la - lb) > limit then return limit + 1 end
  local pp, prev, cur = {}, {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local low, ai = limit + 1, a:byte(i)
    for j = 1, lb do
      local bj = b:byte(j)
      local v = prev[j - 1] + (ai == bj and 0 or 1)
      if prev[j] + 1 < v then v = prev[j] + 1 end
      if cur[j - 1] + 1 < v then v = cur[j - 1] + 1 end
      if i > 1 and j > 1 and ai == b:byte(j - 1) and a:byte(i - 1) == bj
          and pp[j - 2] + 1 < v then
        v = pp[j - 2] + 1
      end
      cur[j] = v
      if v < low then low = v end
    end
    if low > limit then return limit + 1 end
    pp, prev, cur = prev, cur, pp
  end
  return prev[lb] <= limit and prev[lb] or limit + 1
end

local MATCH_RANK = { exact = 1, synonym = 2 }

-- the lexicon of one field: key -> { entry, how }, codes, terms by length
local function lexicon(entries, kinds, medication)
  local lex = { keys = {}, codes = {}, by_len = {} }
  local norm = medication and plain.medication or plain.fold
  for _, e in ipairs(entries) do
    if kinds[e.kind] then
      local names = { e.name }
      for _, s in ipairs(e.synonyms or {}) do names[#names + 1] = s end
      for i, name in ipairs(names) do
        local key, how = norm(name), i == 1 and "exact" or "synonym"
        local old = key and lex.keys[key]
        if key and key ~= "" and (not old or MATCH_RANK[how] < MATCH_RANK[old.how]) then
          lex.keys[key] = { entry = e, how = how }
          if #key <= 48 then
            local bucket = lex.by_len[#key] or {}
            lex.by_len[#key] = bucket
            bucket[#bucket + 1] = { text = key, entry = e }
          end
        end
      end
      for _, c in ipairs(e.codes or {}) do
        local key = code_key(c)
        if key and not lex.codes[key] then lex.codes[key] = e end
      end
    end
  end
  return lex
end

local function better(x, y)
  if x.dist ~= y.dist then return x.dist < y.dist end
  return x.text < y.text
end

-- the approximate match, or nil and the suggestions (entries)
local function approximate(lex, q)
  local found = {}
  if #q == 0 or #q > 48 then return nil, found end
  for len = #q - 2, #q + 2 do
    for _, t in ipairs(lex.by_len[len] or {}) do
      local d = distance(q, t.text, 2)
      if d <= 2 then found[#found + 1] = { dist = d, text = t.text, entry = t.entry } end
    end
  end
  table.sort(found, better)
  local best = found[1]
  if not best then return nil, {} end
  local ties = false
  for _, f in ipairs(found) do
    if f.dist == best.dist and f.entry ~= best.entry then ties = true end
  end
  local threshold = #q < 5 and 0 or #q < 9 and 1 or 2
  if best.dist <= threshold and not ties then return best.entry end
  local sugg, seen = {}, {}
  for _, f in ipairs(found) do
    if #sugg == 3 then break end
    if not seen[f.entry] then seen[f.entry], sugg[#sugg + 1] = true, f.entry end
  end
  return nil, sugg
end

-- resolves TEXT: entry, how | nil, suggestions
local function match(lex, text, medication)
  local key = (medication and plain.medication or plain.fold)(text)
  local hit = key and key ~= "" and lex.keys[key]
  if key and not hit and medication and key:find(" [ap]m$") and #key > 3 then
    key = key:sub(1, -4)
    hit = lex.keys[key]
  end
  if hit then return hit.entry, hit.how end
  local code = code_key(text)
  while code and #code >= 3 do
    if lex.codes[code] then return lex.codes[code], "code" end
    code = code:sub(1, -2)
  end
  if not key or key == "" then return nil, {} end
  local e, sugg = approximate(lex, key)
  if e then return e, "approximate" end
  return nil, sugg
end

-- "a/b", "a + b", "a-b": not between digits ("5/325"), '-' between letters
local function split(s)
  local parts, from = {}, 1
  for i = 1, #s do
    local c, before, after = s:sub(i, i), s:sub(i - 1, i - 1), s:sub(i + 1, i + 1)
    local sep = (c == "/" or c == "+") and not (before:find("%d") and after:find("%d"))
      or c == "-" and before:find("%a") and after:find("%a")
    if sep and #parts < 7 then
      parts[#parts + 1] = s:sub(from, i - 1)
      from = i + 1
    end
  end
  parts[#parts + 1] = s:sub(from)
  return parts
end

local function copy(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  return t
end

--- Builds the screener for the entries of a knowledge base (kb:list()).
function plain.new(kb)
  local entries, by_id = {}, {}
  for _, e in ipairs(kb:list()) do
    local c = { id = e.id, kind = e.kind, name = e.name, summary = e.summary,
      action = e.action, severity = e.severity, frequency = e.frequency,
      patient_flag = e.patient_flag, sources = copy(e.sources),
      synonyms = e.synonyms and copy(e.synonyms), codes = e.codes and copy(e.codes),
      class = e.class and copy(e.class), implies = e.implies and copy(e.implies) }
    entries[#entries + 1], by_id[c.id] = c, c
  end
  local self = { lex = {}, concerns = {}, flags = {}, kb = kb, by_id = by_id }
  for field, kinds in pairs(schema.FIELD_KINDS) do
    local medication = field == "medications" or field == "supplements"
    self.lex[field] = lexicon(entries, set(kinds), medication)
  end
  for _, e in ipairs(entries) do
    local list = {}
    local function raise(c) if c.severity then list[#list + 1] = c end end
    raise(e)
    for _, c in ipairs(e.class or {}) do raise(by_id[c]) end
    self.concerns[e] = list
    if e.patient_flag then
      self.flags[e.patient_flag] = self.flags[e.patient_flag] or {}
      table.insert(self.flags[e.patient_flag], e)
    end
  end
  return setmetatable(self, { __index = plain })
end

local function add_findings(self, res, e, how, field, input)
  local out = res.findings
  if #self.concerns[e] == 0 then         -- recognised, no concern
    res.recognized[#res.recognized + 1] = { field = field, input = input, id = e.id,
      name = e.name, match = how }
  end
  for _, c in ipairs(self.concerns[e]) do
    out[#out + 1] = { id = c.id, kind = c.kind, severity = c.severity, title = c.name,
      message = c.summary, action = c.action, sources = copy(c.sources),
      frequency = c.frequency, matched = e.id, field = field, input = input,
      match = how, seq = #out + 1 }
  end
end

-- the conditions the medicines imply, once each, unless the record names them
local function add_implied(self, res, medications)
  local named, drugs = {}, {}
  for _, f in ipairs(res.findings) do named[f.matched] = true end
  for _, x in ipairs(res.recognized) do named[x.id] = true end
  for _, f in ipairs(res.findings) do
    if f.field == "medications" then drugs[f.input] = drugs[f.input] or f.matched end
  end
  for _, x in ipairs(res.recognized) do
    if x.field == "medications" then drugs[x.input] = drugs[x.input] or x.id end
  end
  local evidence = {}
  for _, input in ipairs(medications or {}) do
    local d = drugs[input] and self.by_id[drugs[input]]
    for _, cid in ipairs(d and d.implies or {}) do
      if not named[cid] then
        named[cid], evidence[d.id .. "\0" .. input] = true, true
        local c = self.by_id[cid]
        res.findings[#res.findings + 1] = { id = c.id, kind = c.kind, severity = c.severity,
          title = c.name, message = c.summary, action = c.action, sources = copy(c.sources),
          frequency = c.frequency, matched = cid, field = "medications", input = input,
          match = "implied", via = d.id, seq = #res.findings + 1 }
      end
    end
    drugs[input] = nil
  end
  local kept = {}
  for _, x in ipairs(res.recognized) do
    if not evidence[x.id .. "\0" .. x.input] then kept[#kept + 1] = x end
  end
  res.recognized = kept
end

local function add_unrecognized(out, field, input, term, sugg)
  local names = {}
  for i, e in ipairs(sugg) do names[i] = e.name end
  out[#out + 1] = { field = field, input = input, term = term, suggestions = names }
end

local function screen_term(self, res, field, input)
  local medication = field == "medications" or field == "supplements"
  local lex = self.lex[field]
  local e, how = match(lex, input, medication)
  local parts = not e and medication and split(input) or { input }
  if #parts <= 1 then
    if e then add_findings(self, res, e, how, field, input)
    else add_unrecognized(res.unrecognized, field, input, nil, how) end
    return
  end
  for _, part in ipairs(parts) do
    part = part:match("^[ \t]*(.-)[ \t]*$")
    if part ~= "" then
      local pe, phow = match(lex, part, medication)
      if pe then add_findings(self, res, pe, phow, field, input)
      else add_unrecognized(res.unrecognized, field, input, part, phow) end
    end
  end
end

local function by_rank(a, b)
  local ra, rb = schema.RANK[a.severity], schema.RANK[b.severity]
  if ra ~= rb then return ra < rb end
  if a.id ~= b.id then return a.id < b.id end
  return a.seq < b.seq
end

--- self:screen(patient) -> the result kb:screen gives
function plain:screen(p)
  local clean, err, field = patient.check(p)
  if not clean then return nil, err, field end
  local res = { type = "screening", findings = {}, unrecognized = {}, recognized = {},
    counts = { critical = 0, high = 0, moderate = 0, low = 0, info = 0, recognized = 0 },
    kb = { version = self.kb.version, checksum = self.kb.checksum },
    notice = require("interferon").NOTICE,
    patient = { id = clean.id, sex = clean.sex, age = clean.age,
      pregnant = clean.pregnant, breastfeeding = clean.breastfeeding } }
  for _, name in ipairs(patient.LISTS) do
    for _, input in ipairs(clean[name] or {}) do screen_term(self, res, name, input) end
  end
  for _, flag in ipairs(patient.FLAGS) do
    if clean[flag] == true then
      for _, e in ipairs(self.flags[flag] or {}) do
        add_findings(self, res, e, "exact", flag, flag .. ": true")
      end
    end
  end
  add_implied(self, res, clean.medications)
  table.sort(res.findings, by_rank)
  for _, f in ipairs(res.findings) do
    f.seq = nil
    res.counts[f.severity] = res.counts[f.severity] + 1
  end
  res.counts.recognized = #res.recognized
  res.status = (#res.findings == 0 and #res.unrecognized == 0) and "clear" or "review"
  return res
end

return plain
