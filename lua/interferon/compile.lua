--- Compiling knowledge-base files: decode each (C), check every entry
-- against the schema, apply `extends:` overlays, resolve sources and
-- classes, and build the term index (C).  Every problem is returned as
-- nil, "FILE:LINE:COL: message".
local core = require("interferon.core")
local policy = require("interferon.policy")
local schema = require("interferon.schema")
local util = require("interferon.util")

local compile = {}

-- table.unpack from 5.2 on, the global unpack in 5.1 and LuaJIT
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local TOP_KEYS = { format = true, version = true, entries = true }
local MAX_TERM = core.NORM_MAX     -- bytes of a normalised name

-- the state of one compilation
local Build = {}
Build.__index = Build

local fail = util.fail

-- Positions are wanted only for messages, so a file is decoded without
-- them; the first message about it decodes it again with them (the same
-- text gives the same tree) and pairs each table of the first tree with
-- the positions of its twin.  A check that fails is then run again in
-- file order, so that the first problem in the file is the one reported.
local function pair(map, a, b, pos)
  if map[a] ~= nil then return end
  map[a] = pos[b] or false
  for k, v in next, a do
    local w = b[k]
    if type(v) == "table" and type(w) == "table" then pair(map, v, w, pos) end
  end
end

-- table -> its positions ({ [0] = itself, [key or index] = ... }) in
-- file number F, made on first use
function Build:positions(f)
  local map = self.posmaps[f]
  if map then return map end
  local docs, pos = core.decode(self.texts[f], self.names[f],
    { positions = true, max_documents = 1 })
  map = {}
  if docs and type(self.docs[f]) == "table" and type(docs[1]) == "table" then
    pair(map, self.docs[f], docs[1], pos)
  end
  self.posmaps[f] = map
  return map
end

-- "FILE:LINE:COL: " of KEY in table T (or of T itself) of file number F
function Build:where_in(f, t, key)
  local p = self:positions(f)[t]
  return util.where(self.names[f], p and (key ~= nil and p[key] or p[0]))
end

-- the same in the current file
function Build:where(t, key)
  return self:where_in(self.fileno, t, key)
end

-- the keys of T in file order, for a check run again to find the first
-- problem
function Build:keys_in_order(t)
  return util.sorted_keys(t, self:positions(self.fileno)[t])
end

function Build:check_top(doc)
  if doc == nil or doc == core.null then
    fail(self.file .. ":1:1: empty file (expected 'format', 'version' and 'entries')")
  end
  if type(doc) ~= "table" or doc[1] ~= nil then
    fail(self:where(doc) .. "a knowledge-base file must be a mapping")
  end
  for key in next, doc do
    if not TOP_KEYS[key] then
      for _, k in ipairs(self:keys_in_order(doc)) do  -- file order
        if not TOP_KEYS[k] then
          fail(self:where(doc, k) .. ("unknown key '%s'%s"):format(tostring(k),
            util.did_you_mean(k, TOP_KEYS)))
        end
      end
    end
  end
  if doc.format ~= schema.FORMAT then
    fail(self:where(doc, doc.format ~= nil and "format" or nil) ..
      ("'format' must be '%s'"):format(schema.FORMAT))
  end
  if doc.version ~= nil and type(doc.version) ~= "string" then
    fail(self:where(doc, "version") .. "'version' must be a string (quote it)")
  end
  if type(doc.entries) ~= "table" or (next(doc.entries) ~= nil and doc.entries[1] == nil) then
    fail(self:where(doc, "entries") .. "'entries' must be a list of entries")
  end
end

-- whether V is a good value for KEY (check_value says why not)
local function value_ok(key, v)
  return v ~= core.null and schema.KEYS[key](v) == true
    and (key ~= "sources" or #v > 0)
end

-- checks the value of KEY in entry E against the schema
function Build:check_value(e, key)
  local v = e[key]
  if v == core.null then
    fail(self:where(e, key) .. ("key '%s' has no value"):format(key))
  end
  local ok, expected = schema.KEYS[key](v)
  if not ok then
    fail(self:where(e, key) .. ("'%s' must be %s"):format(key, expected))
  end
  if key == "sources" and #v == 0 then
    fail(self:where(e, key) .. "'sources' must not be empty")
  end
end

-- Where an entry's names and list items came from is kept per entry, not
-- per item, so that no position is looked up and no message text made
-- unless a message is given (an 8,000-entry overlay has ~100,000 items).
-- The origin of an entry is its PARTS: the decoded entry that defined it
-- and each that extended it, with its file; an item is found by walking
-- them.  All parts are also kept in load order (self.parts), which walked
-- gives every item in load order.

-- records that E (defining or extending ID) is a part of ID's origin
function Build:note_origin(id, e)
  self.nparts = self.nparts + 1
  local part = { id = id, file = self.fileno, entry = e }
  self.parts[self.nparts] = part
  local o = self.origin[id]
  if not o then
    self.origin[id] = { file = self.fileno, entry = e, part, n = 1 }
  else
    o.n = o.n + 1
    o[o.n] = part
  end
end

-- the file number, list and index in it of item I of the list KEY of the
-- entry whose origin is O
local function item_place(o, key, i)
  local part, list
  for k = 1, o.n do
    part, list = o[k], o[k].entry[key]
    local n = type(list) == "table" and #list or 0
    if i <= n then break end
    i = i - n
  end
  return part.file, list, i
end

-- "FILE:LINE:COL: " of item I of the list KEY of the entry whose origin is O
function Build:item_at(o, key, i)
  local f, list, k = item_place(o, key, i)
  local p = self:positions(f)[list]
  return util.where(self.names[f], p and p[k] or nil)
end

-- "FILE:LINE:COL: " of the synonym I of the entry whose origin is O, or
-- with I = 0 of the entry itself (where its name is placed)
function Build:term_place(o, i)
  if i == 0 then return self:where_in(o.file, o.entry, 0) end
  return self:item_at(o, "synonyms", i)
end

-- "FILE:LINE:COL: " of a term of check_terms: its synonym, or its name
function Build:term_at(t)
  if t.i > 0 then return self:item_at(t.origin, "synonyms", t.i) end
  return self:where_in(t.origin.file, t.origin.entry, "name")
end

local EVERY_ENTRY_NEEDS, EMPTY = { "name", "sources" }, {}

function Build:add_entry(e)
  local id, kind = e.id, e.kind
  if type(id) ~= "string" then fail(self:where(e, "id") .. "'id' must be a string") end
  if type(kind) ~= "string" then
    fail(self:where(e, kind == nil and nil or "kind") .. ("entry '%s' has no 'kind'"):format(id))
  end
  if not schema.ALLOWED[kind] then
    fail(self:where(e, "kind") .. ("unknown kind '%s'%s"):format(kind,
      util.did_you_mean(kind, schema.KINDS)))
  end
  if not id:match("^[a-z_]+%.[a-z0-9_]+$") or id:match("^[^.]+") ~= kind then
    fail(self:where(e, "id") .. ("id '%s' must be '%s.' followed by a slug of [a-z0-9_]")
      :format(id, kind))
  end
  if self.entries[id] then
    fail(self:where(e, "id")
      .. ("id '%s' is already defined at %s (use 'extends: %s' to add to it)")
      :format(id, self:where_in(self.origin[id].file, self.origin[id].entry, 0)
      :sub(1, -3), id))
  end
  local allowed = schema.ALLOWED[kind]
  for key, v in next, core.check_shape(e, allowed, schema.SHAPES) and EMPTY or e do
    if not allowed[key] or not value_ok(key, v) then
      for _, k in ipairs(self:keys_in_order(e)) do  -- file order
        if not allowed[k] then
          fail(self:where(e, k) .. ("unknown key '%s' for a %s%s"):format(tostring(k),
            kind, util.did_you_mean(k, allowed)))
        end
        self:check_value(e, k)
      end
    end
  end
  for _, k in ipairs(EVERY_ENTRY_NEEDS) do
    if e[k] == nil then fail(self:where(e) .. ("entry '%s' has no '%s'"):format(id, k)) end
  end
  for _, k in ipairs(schema.REQUIRED[kind] or EMPTY) do
    if e[k] == nil then fail(self:where(e) .. ("a %s needs '%s'"):format(kind, k)) end
  end
  self.entries[id] = e            -- copied when first extended
  self.order[#self.order + 1] = id
  self:note_origin(id, e)
  if e.basis ~= nil then
    policy.check(e, function(key) return self:where(e, key) end)
  end
end

-- On a critical entry an overlay may add to the text, never replace it:
-- a new summary, action or note must begin with the current one.
function Build:check_append_only(e, target, id)
  if target.severity ~= "critical" then return end
  local function replaces(k)
    local old = target[k]
    return schema.TEXT_KEYS[k] and type(old) == "string" and e[k]:sub(1, #old) ~= old
  end
  for key in next, e do
    if replaces(key) then
      for _, k in ipairs(self:keys_in_order(e)) do  -- file order
        if replaces(k) then
          fail(self:where(e, k) .. ("'%s' of '%s' is critical text: 'extends' may add "
            .. "to it, not replace it (begin with the current text)"):format(k, id))
        end
      end
    end
  end
end

function Build:extend_entry(e)
  local id = e.extends
  if type(id) ~= "string" then fail(self:where(e, "extends") .. "'extends' must be an id") end
  local target = self.entries[id]
  if not target then
    fail(self:where(e, "extends") .. ("'extends: %s' names no entry loaded before it%s")
      :format(id, util.did_you_mean(id, self.order)))
  end
  if not self.copied[id] then
    -- the decoded entry stays as it was read (its positions are found by
    -- decoding its file again): the entry that changes is a copy
    local copy = {}
    for k, v in next, target do
      if type(v) == "table" then
        copy[k] = {}
        for i = 1, #v do copy[k][i] = v[i] end
      else
        copy[k] = v
      end
    end
    target = copy
    self.entries[id], self.copied[id] = copy, true
  end
  local allowed = schema.ALLOWED[target.kind]
  local function bad(k, v)
    return k ~= "extends" and (not schema.EXTENDABLE[k] or not allowed[k]
      or not value_ok(k, v))
  end
  for key, v in next, e do
    if bad(key, v) then
      for _, k in ipairs(self:keys_in_order(e)) do  -- file order
        if k ~= "extends" then
          if not schema.EXTENDABLE[k] or not allowed[k] then
            fail(self:where(e, k) .. ("'%s' cannot be changed by 'extends' on a %s%s")
              :format(tostring(k), target.kind,
              schema.KEYS[k] and "" or util.did_you_mean(k, schema.EXTENDABLE)))
          end
          self:check_value(e, k)
        end
      end
    end
  end
  if e.severity and target.severity and
      schema.RANK[e.severity] > schema.RANK[target.severity] then
    fail(self:where(e, "severity")
      .. ("'extends' may raise a severity, not lower it ('%s' is '%s')")
      :format(id, target.severity))
  end
  self:check_append_only(e, target, id)
  for k, v in pairs(e) do
    if schema.LIST_KEYS[k] then
      target[k] = target[k] or {}
      for _, item in ipairs(v) do target[k][#target[k] + 1] = item end
    elseif k ~= "extends" then
      target[k] = v
    end
  end
  self:note_origin(id, e)
end

local DECODE_OPTS = { max_documents = 1 }

function Build:add_file(name, text, bundled)
  self.file = name
  self.names[#self.names + 1] = name
  self.fileno = #self.names
  -- who wrote it, for near misses: the bundled files are one author
  self.author[self.fileno] = bundled and self.author[self.fileno - 1] == 1 and 1 or self.fileno
  local docs, err = core.decode(text, name, DECODE_OPTS)
  if not docs then fail(err) end
  local doc = docs[1]
  self.texts[self.fileno], self.docs[self.fileno] = text, doc
  self:check_top(doc)
  if doc.version then self.versions[#self.versions + 1] = doc.version end
  for i, e in ipairs(doc.entries) do
    if type(e) ~= "table" or e[1] ~= nil then
      fail(self:where(doc.entries, i) .. "an entry must be a mapping")
    end
    if e.extends ~= nil then
      if e.id ~= nil then
        fail(self:where(e, "id") .. "an entry has either 'id' or 'extends', not both")
      end
      self:extend_entry(e)
    else
      self:add_entry(e)
    end
  end
end

-- every source a reference, every class a drug class or advice
function Build:resolve()
  for _, id in ipairs(self.order) do
    local e, o = self.entries[id], self.origin[id]
    for i, src in ipairs(e.sources) do
      local ref = self.entries[src]
      if not ref or ref.kind ~= "reference" then
        fail(self:item_at(o, "sources", i) .. ("source '%s' of '%s' is not a reference%s")
          :format(src, id, util.did_you_mean(src, self.order)))
      end
    end
    for _, c in ipairs(e.implies or EMPTY) do
      local target = self.entries[c]
      if not target or target.kind ~= "condition" or not target.severity then
        fail(self:where_in(o.file, o.entry, 0)
          .. ("'implies' of '%s' names '%s', which is not a condition with a concern%s")
          :format(id, c, target and "" or util.did_you_mean(c, self.order)))
      end
    end
    for i, c in ipairs(e.class or EMPTY) do
      local target = self.entries[c]
      if not target or not schema.CLASS_KINDS[target.kind] then
        fail(self:item_at(o, "class", i)
          .. ("class '%s' of '%s' is not a drug_class or advice entry%s")
          :format(c, id, util.did_you_mean(c, self.order)))
      end
    end
  end
end

-- Every term (name or synonym, normalised as the matcher sees it, plain
-- and for medicines also as a medication) may resolve to one entry only.
-- Returns the terms, { text, mode, id, origin, i, original }, for check_near
-- (a medicine's term that normalises the same both ways is kept once, with
-- mode "both"), or nil when one author wrote every file: check_near then
-- has nothing to compare.
function Build:check_terms()
  local by_plain, by_medication = {}, {}    -- normalised term -> id
  local list = self.author[#self.names] ~= self.author[1] and {} or nil
  -- fails when TEXT, a term of ID, already names another entry in SEEN
  local function refuse(seen, text, id, o, i, original)
    fail(self:term_place(o, i) .. ("'%s' of '%s' already names '%s'")
      :format(original, id, seen[text]))
  end
  local normalize = core.normalize
  for _, id in ipairs(self.order) do
    local e, o = self.entries[id], self.origin[id]
    local medicine, synonyms = schema.MEDICATION_KINDS[e.kind], e.synonyms
    for i = 0, synonyms and #synonyms or 0 do
      local t = i == 0 and e.name or synonyms[i]   -- a name is placed at its entry
      local plain = normalize(t)
      if not plain then
        fail(self:term_place(o, i)
          .. ("'%s...' of '%s' is longer than %d bytes once normalised")
          :format(t:sub(1, 20), id, MAX_TERM))
      end
      local med = medicine and normalize(t, "medication")
      local other = by_plain[plain]
      if other and other ~= id then refuse(by_plain, plain, id, o, i, t) end
      by_plain[plain] = id
      if med == plain then
        other = by_medication[plain]
        if other and other ~= id then refuse(by_medication, plain, id, o, i, t) end
        by_medication[plain] = id
      end
      if list then
        list[#list + 1] = { text = plain, mode = med == plain and "both" or "plain",
          id = id, i = i, origin = o, original = t }
      end
      if med and med ~= plain then
        other = by_medication[med]
        if other and other ~= id then refuse(by_medication, med, id, o, i, t) end
        by_medication[med] = id
        if list then
          list[#list + 1] = { text = med, mode = "medication", id = id, i = i,
            origin = o, original = t }
        end
      end
    end
  end
  return list
end

-- Near misses.  A term one edit (optimal string alignment, as index.c
-- counts) from another entry's term captures that term's misspellings:
-- they would match it exactly instead of the other approximately.  The
-- matcher matches approximately only terms of NEAR_MIN to NEAR_MAX bytes
-- (index.c: approx_threshold and APPROX_MAX_LEN), so only those are
-- compared.  Two entries of one file, or of the bundled files, may be near
-- (one author wrote both: "vitamin a", "vitamin c"; "Sular", "sugar"); a
-- term one edit from a term that an earlier file gave another entry is
-- refused.  Candidates come from a deletion
-- neighbourhood (csrc/near.c): each term and each string made by deleting
-- one byte of it, kept as a number (a polynomial hash with its length), so
-- the cost is linear in the terms (times their length), not in their pairs.
local NEAR_MIN, NEAR_MAX = 5, 48

-- whether A and B (not equal) are one substitution, insertion, deletion
-- or swap of two neighbours apart
local function one_edit(a, b)
  if #a > #b then a, b = b, a end
  if #b - #a > 1 then return false end
  local i = 1
  while i <= #a and a:byte(i) == b:byte(i) do i = i + 1 end
  if #a < #b then return a:sub(i) == b:sub(i + 1) end
  return a:sub(i + 1) == b:sub(i + 1) or (a:byte(i) == b:byte(i + 1) and
    a:byte(i + 1) == b:byte(i) and a:sub(i + 2) == b:sub(i + 2))
end

-- fails when U, a term met before T in a bucket, is a near miss of T
function Build:near(t, u)
  if u.id ~= t.id and u.file ~= t.file
      and (u.mode == t.mode or u.mode == "both" or t.mode == "both")
      and math.max(#t.text, #u.text) >= NEAR_MIN and one_edit(t.text, u.text) then
    fail(self:term_at(t) .. ("'%s' of '%s' is one edit from '%s' of '%s' (%s)")
      :format(t.original, t.id, u.original, u.id, self:term_at(u):sub(1, -3)))
  end
end

function Build:check_near(terms)
  if not terms then return end
  local last, by_file = #self.names, {}  -- file by file: near misses are between files
  for f = 1, last do by_file[f] = {} end
  for _, t in ipairs(terms) do
    if #t.text >= NEAR_MIN - 1 and #t.text <= NEAR_MAX then
      t.file = self.author[t.i > 0 and item_place(t.origin, "synonyms", t.i)
        or t.origin.file]
      local list = by_file[t.file]
      list[#list + 1] = t
    end
  end
  -- the authors with terms, in load order: the first one's terms meet no
  -- earlier author, the last one's no later author (the bundled files
  -- alone are one author: nothing to compare)
  local authors = {}
  for f = 1, last do
    if by_file[f][1] then authors[#authors + 1] = f end
  end
  if #authors < 2 then return end
  -- the pairs that share a key of their deletion neighbourhoods (near.c),
  -- in the order they are judged; the first that is one edit apart fails
  local texts, file_of, order = {}, {}, {}
  for _, f in ipairs(authors) do
    for _, t in ipairs(by_file[f]) do
      local n = #order + 1
      texts[n], file_of[n], order[n] = t.text, f, t
    end
  end
  local candidates = core.near_candidates(texts, file_of)
  for i = 1, #candidates, 2 do
    self:near(order[candidates[i]], order[candidates[i + 1]])
  end
end

-- the upper-case letters and digits of a code, as index.c's code_key
-- reads it, or nil when it is not shaped like an ICD-10-CM or ATC code
local function code_key(s)
  if #s >= 3 and #s <= 9 and s:find("^[A-Z][0-9][A-Z0-9]*$") then
    return s                      -- the usual shape, already a key
  end
  s = s:match("^[ \t]*(.-)[ \t]*$")
  if #s < 3 or #s > 9 or s:find("[^A-Za-z0-9.]") then return nil end
  local dot = s:find(".", 1, true)
  if dot and (dot < 4 or s:find(".", dot + 1, true)) then return nil end
  local key = (s:gsub("%.", "")):upper()
  if #key < 3 or not key:find("^[A-Z][0-9]") then return nil end
  return key
end

local CODE_MIN_PREFIX = 3  -- the shortest category index.c matches

-- Codes.  The matcher gives a coded term to the entry with the longest
-- code that is a prefix of it ("R45.851" falls in "R45.85"), so a later
-- code equal to, or more specific than, another entry's code would take
-- that entry's patients.  Both are refused, in load order, with two
-- allowances for a more specific code: its entry's `class` lists the other
-- entry (the other's finding still comes with it), or it is a drug within
-- a drug class's ATC group whose own classes raise a finding at least as
-- severe (the bundled sedatives, coded N05C, are not sleep medication).
function Build:may_refine(id, other_id)
  local e, other = self.entries[id], self.entries[other_id]
  local rank = schema.RANK[e.severity] or math.huge
  for _, c in ipairs(e.class or {}) do
    if c == other_id then return true end
    rank = math.min(rank, schema.RANK[self.entries[c].severity] or math.huge)
  end
  return e.kind == "drug" and other.kind == "drug_class"
    and rank <= (schema.RANK[other.severity] or math.huge)
end

-- "FILE:LINE:COL: " of code J of PART (an entry or an overlay of it)
function Build:code_at(part, j)
  local p = self:positions(part.file)[part.entry.codes]
  return util.where(self.names[part.file], p and p[j] or nil)
end

function Build:check_codes()
  -- the first holder of each code key: its part and the code's index there
  local held_part, held_index = {}, {}
  local first = self.author[1]    -- codes of one author may refine each other
  for n = 1, self.nparts do       -- every code in load order
    local part = self.parts[n]
    local codes, id = part.entry.codes, part.id
    -- the codes held so far are all the first author's while it is
    local later = self.author[part.file] ~= first
    for j = 1, type(codes) == "table" and #codes or 0 do
      local c = codes[j]
      local key = code_key(c)
      local other = key and held_part[key]
      if other and other.id ~= id then
        fail(self:code_at(part, j) .. ("code '%s' of '%s' is already a code of '%s' (%s)")
          :format(c, id, other.id, self:code_at(other, held_index[key]):sub(1, -3)))
      end
      for k = later and key and #key - 1 or 0, CODE_MIN_PREFIX, -1 do
        local prefix = key:sub(1, k)
        other = held_part[prefix]
        if other and other.id ~= id and self.author[other.file] ~= self.author[part.file]
            and not self:may_refine(id, other.id) then
          local at = held_index[prefix]
          fail(self:code_at(part, j) .. ("code '%s' of '%s' falls within '%s' of '%s' (%s) "
            .. "and would take its patients"):format(c, id, other.entry.codes[at], other.id,
            self:code_at(other, at):sub(1, -3)))
        end
      end
      if key and not held_part[key] then held_part[key], held_index[key] = part, j end
    end
  end
end

-- the findings an entry raises: its own concern, then its classes'
local function template(e)
  return { id = e.id, kind = e.kind, severity = e.severity, title = e.name,
    message = e.summary, action = e.action, sources = e.sources,
    frequency = e.frequency }
end

-- adds the finding of C, if it raises one, to LIST (one template per id)
local function raise(c, list, templates)
  if c.severity then
    local t = templates[c.id] or template(c)
    templates[c.id] = t
    list[#list + 1] = t
  end
end

-- the names an entry is matched by: its name, then its synonyms
local function terms_of(e)
  local synonyms = e.synonyms
  if not synonyms then return { e.name } end
  if #synonyms <= 100 then return { e.name, unpack(synonyms) } end
  local terms = { e.name }
  for k = 1, #synonyms do terms[k + 1] = synonyms[k] end
  return terms
end

function Build:finish()
  local ids = {}
  for _, id in ipairs(self.order) do ids[#ids + 1] = id end
  table.sort(ids)
  local number, specs, names, concerns, templates = {}, {}, {}, {}, {}
  for i, id in ipairs(ids) do number[id] = i end
  for i, id in ipairs(ids) do
    local e = self.entries[id]
    names[i] = e.name
    specs[i] = { entry = i, kind = schema.KIND_BIT[e.kind], names = terms_of(e),
      codes = e.codes, medication = schema.MEDICATION_KINDS[e.kind],
      present = e.patient_flag ~= nil }
    local list = {}
    raise(e, list, templates)
    local class = e.class
    if class then
      for _, c in ipairs(class) do raise(self.entries[c], list, templates) end
      for _, c in ipairs(class) do
        local cls = self.entries[c]
        cls.members = cls.members or {}
        cls.members[#cls.members + 1] = id
      end
    end
    concerns[i] = list
  end
  for _, e in pairs(self.entries) do
    if e.members then table.sort(e.members) end
  end
  local index = core.index(specs, { concerns = concerns, ids = ids, names = names })
  return { entries = self.entries, ids = ids, number = number, names = names, index = index,
    concerns = concerns }
end

--- Compiles FILES, a list of { name = ..., text = ... } in load order.
-- Returns the compiled state, or nil and a positioned message.
function compile.files(files)
  local b = setmetatable({ entries = {}, order = {}, origin = {}, versions = {},
    names = {}, author = {}, nparts = 0, parts = {}, texts = {}, docs = {}, posmaps = {},
    copied = {} }, Build)
  local texts = {}
  local ok, err = pcall(function()
    for _, f in ipairs(files) do
      b:add_file(f.name, f.text, f.bundled)
      texts[#texts + 1] = f.text
    end
    b:resolve()
    b:check_near(b:check_terms())
    b:check_codes()
  end)
  if not ok then
    if util.failure(err) then return nil, util.failure(err) end
    error(err, 0)
  end
  local state = b:finish()
  state.version = table.concat(b.versions, "+")
  state.checksum = core.sha256(table.concat(texts))
  return state
end

return compile
