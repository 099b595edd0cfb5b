--- Compiling knowledge-base files: decode each (C), check every entry
-- against the schema, apply `extends:` overlays, resolve sources and
-- classes, and build the term index (C).  Every problem is returned as
-- nil, "FILE:LINE:COL: message".
local core = require("interferon.core")
local schema = require("interferon.schema")
local util = require("interferon.util")

local compile = {}

local TOP_KEYS = { format = true, version = true, entries = true }
local MAX_TERM = core.NORM_MAX     -- bytes of a normalised name

-- the state of one compilation
local Build = {}
Build.__index = Build

local fail = util.fail

-- "FILE:LINE:COL: " of KEY in table T (or of T itself)
function Build:where(t, key)
  local p = self.pos[t]
  return util.where(self.file, p and (key ~= nil and p[key] or p[0]))
end

function Build:check_top(doc)
  if doc == nil or doc == core.null then
    fail(self.file .. ":1:1: empty file (expected 'format', 'version' and 'entries')")
  end
  if type(doc) ~= "table" or doc[1] ~= nil then
    fail(self:where(doc) .. "a knowledge-base file must be a mapping")
  end
  for _, k in ipairs(util.sorted_keys(doc, self.pos[doc])) do  -- file order
    if not TOP_KEYS[k] then
      fail(self:where(doc, k) .. ("unknown key '%s'%s"):format(tostring(k),
        util.did_you_mean(k, TOP_KEYS)))
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

-- records where each list item of entry E came from, for later messages
function Build:note_origin(id, e)
  local o = self.origin[id] or { items = {} }
  self.origin[id] = o
  o.where = o.where or self:where(e)
  for key in pairs(schema.LIST_KEYS) do
    if type(e[key]) == "table" then
      o.items[key] = o.items[key] or {}
      local p = self.pos[e[key]]
      for i = 1, #e[key] do
        o.items[key][#o.items[key] + 1] = util.where(self.file, p and p[i])
      end
    end
  end
end

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
      :format(id, self.origin[id].where:sub(1, -3), id))
  end
  for _, k in ipairs(util.sorted_keys(e, self.pos[e])) do  -- file order
    if not schema.ALLOWED[kind][k] then
      fail(self:where(e, k) .. ("unknown key '%s' for a %s%s"):format(tostring(k), kind,
        util.did_you_mean(k, schema.ALLOWED[kind])))
    end
    self:check_value(e, k)
  end
  for _, k in ipairs({ "name", "sources" }) do
    if e[k] == nil then fail(self:where(e) .. ("entry '%s' has no '%s'"):format(id, k)) end
  end
  for _, k in ipairs(schema.REQUIRED[kind] or {}) do
    if e[k] == nil then fail(self:where(e) .. ("a %s needs '%s'"):format(kind, k)) end
  end
  local copy = {}
  for k, v in pairs(e) do
    if type(v) == "table" then
      copy[k] = {}
      for i = 1, #v do copy[k][i] = v[i] end
    else
      copy[k] = v
    end
  end
  self.entries[id] = copy
  self.order[#self.order + 1] = id
  self:note_origin(id, e)
end

function Build:extend_entry(e)
  local id = e.extends
  if type(id) ~= "string" then fail(self:where(e, "extends") .. "'extends' must be an id") end
  local target = self.entries[id]
  if not target then
    fail(self:where(e, "extends") .. ("'extends: %s' names no entry loaded before it%s")
      :format(id, util.did_you_mean(id, self.order)))
  end
  for _, k in ipairs(util.sorted_keys(e, self.pos[e])) do  -- file order
    if k ~= "extends" then
      if not schema.EXTENDABLE[k] or not schema.ALLOWED[target.kind][k] then
        fail(self:where(e, k) .. ("'%s' cannot be changed by 'extends' on a %s%s"):format(
          tostring(k),
          target.kind, schema.KEYS[k] and "" or util.did_you_mean(k, schema.EXTENDABLE)))
      end
      self:check_value(e, k)
    end
  end
  if e.severity and target.severity and
      schema.RANK[e.severity] > schema.RANK[target.severity] then
    fail(self:where(e, "severity")
      .. ("'extends' may raise a severity, not lower it ('%s' is '%s')")
      :format(id, target.severity))
  end
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

function Build:add_file(name, text)
  self.file = name
  local docs, pos = core.decode(text, name, { positions = true, max_documents = 1 })
  if not docs then fail(pos) end
  self.pos = pos
  local doc = docs[1]
  self:check_top(doc)
  if doc.version then self.versions[#self.versions + 1] = doc.version end
  for i, e in ipairs(doc.entries) do
    if type(e) ~= "table" or e[1] ~= nil then
      fail(util.where(name, pos[doc.entries] and pos[doc.entries][i]) ..
        "an entry must be a mapping")
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
        fail(o.items.sources[i] .. ("source '%s' of '%s' is not a reference%s")
          :format(src, id, util.did_you_mean(src, self.order)))
      end
    end
    for i, c in ipairs(e.class or {}) do
      local target = self.entries[c]
      if not target or not schema.CLASS_KINDS[target.kind] then
        fail(o.items.class[i] .. ("class '%s' of '%s' is not a drug_class or advice entry%s")
          :format(c, id, util.did_you_mean(c, self.order)))
      end
    end
  end
end

-- a name or synonym may resolve to one entry only
function Build:check_terms()
  local seen = {}
  local function claim(text, mode, id, where, original)
    local key = text and (mode .. ":" .. text)
    if not key then return end
    local other = seen[key]
    if other and other ~= id then
      fail(where .. ("'%s' of '%s' already names '%s'"):format(original, id, other))
    end
    seen[key] = id
  end
  for _, id in ipairs(self.order) do
    local e, o = self.entries[id], self.origin[id]
    local terms, wheres = { e.name }, { o.where }
    for i, s in ipairs(e.synonyms or {}) do
      terms[#terms + 1], wheres[#wheres + 1] = s, o.items.synonyms[i]
    end
    for i, t in ipairs(terms) do
      if not core.normalize(t) then
        fail(wheres[i] .. ("'%s...' of '%s' is longer than %d bytes once normalised")
          :format(t:sub(1, 20), id, MAX_TERM))
      end
      claim(core.normalize(t), "plain", id, wheres[i], t)
      if schema.MEDICATION_KINDS[e.kind] then
        claim(core.normalize(t, "medication"), "medication", id, wheres[i], t)
      end
    end
  end
end

-- the findings an entry raises: its own concern, then its classes'
local function template(e)
  return { id = e.id, kind = e.kind, severity = e.severity, title = e.name,
    message = e.summary, action = e.action, sources = e.sources,
    frequency = e.frequency }
end

function Build:finish()
  local ids = {}
  for _, id in ipairs(self.order) do ids[#ids + 1] = id end
  table.sort(ids)
  local specs, names, concerns, templates = {}, {}, {}, {}
  for i, id in ipairs(ids) do
    local e = self.entries[id]
    names[i] = e.name
    local terms = { e.name }
    for _, s in ipairs(e.synonyms or {}) do terms[#terms + 1] = s end
    specs[i] = { entry = i, kind = schema.KIND_BIT[e.kind], names = terms,
      codes = e.codes, medication = schema.MEDICATION_KINDS[e.kind] }
    local list = {}
    local function raise(c)
      if c.severity then
        templates[c.id] = templates[c.id] or template(c)
        list[#list + 1] = templates[c.id]
      end
    end
    raise(e)
    for _, c in ipairs(e.class or {}) do raise(self.entries[c]) end
    concerns[i] = list
    if e.class then
      for _, c in ipairs(e.class) do
        local cls = self.entries[c]
        cls.members = cls.members or {}
        cls.members[#cls.members + 1] = id
      end
    end
  end
  for _, e in pairs(self.entries) do
    if e.members then table.sort(e.members) end
  end
  local index = core.index(specs)
  index:attach({ concerns = concerns, ids = ids, names = names })
  return { entries = self.entries, ids = ids, index = index }
end

--- Compiles FILES, a list of { name = ..., text = ... } in load order.
-- Returns the compiled state, or nil and a positioned message.
function compile.files(files)
  local b = setmetatable({ entries = {}, order = {}, origin = {}, versions = {} }, Build)
  local texts = {}
  local ok, err = pcall(function()
    for _, f in ipairs(files) do
      b:add_file(f.name, f.text)
      texts[#texts + 1] = f.text
    end
    b:resolve()
    b:check_terms()
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
