--- interferon: a knowledge base about interferon therapy for leukemia, and
-- the screening built on it.  This module is the public API; the C core
-- (interferon.core) does the decoding, matching and screening.
-- @module interferon
local core = require("interferon.core")
local KB = require("interferon.kb")
local util = require("interferon.util")
local report = require("interferon.report")
local fhir = require("interferon.fhir")
local stream = require("interferon.stream")

local interferon = {}

interferon._VERSION = "interferon 0.1.0"

--- The value a YAML null decodes to.
interferon.null = core.null

--- The notice every result and report carries.
interferon.NOTICE = KB.NOTICE

--- pairs that also walks knowledge-base entries and their lists, on every
-- Lua version.  On Lua 5.1 and LuaJIT an entry is a read-only userdata,
-- which the builtin pairs refuses; from 5.2 on the builtin works too.
-- @function pairs
-- @param t an entry, a list in it, or any table
-- @return the iterator triple of the builtin pairs
interferon.pairs = util.pairs

--- ipairs that also walks knowledge-base entries and their lists, on every
-- Lua version (see `pairs`).
-- @function ipairs
-- @param t an entry, a list in it, or any table
-- @return the iterator triple of the builtin ipairs
interferon.ipairs = util.ipairs

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then
    return nil, ("%s:1:1: cannot read file: %s"):format(path,
      tostring(err):gsub("^" .. path:gsub("%p", "%%%0") .. ": ", ""))
  end
  -- in chunks, stopping past core.decode's 64 MiB limit: a pipe or a
  -- device such as /dev/zero is never read to its end
  local parts, n, limit = {}, 0, 64 * 1024 * 1024
  local size = f:seek("end")
  if size and size > limit then                -- a regular file: its size is known
    f:close()
    return nil, ("%s:1:1: input of %d bytes is larger than the limit of %d")
      :format(path, size, limit)
  end
  f:seek("set")
  repeat
    local chunk, rerr = f:read(65536)
    if rerr then
      f:close()
      return nil, ("%s:1:1: cannot read file: %s"):format(path, tostring(rerr))
    end
    parts[#parts + 1], n = chunk, n + (chunk and #chunk or 0)
  until not chunk or n > limit
  f:close()
  if n > limit then
    return nil, ("%s:1:1: input of more than %d bytes is larger than the limit of %d")
      :format(path, limit, limit)
  end
  return table.concat(parts)
end

--- Loads a knowledge base: the bundled one, then each file of FILES on top
-- (a layered file may add entries and extend existing ones with `extends:`).
-- @tparam[opt] {string,...} files paths of knowledge-base YAML files, in load order
-- @tparam[opt] table opts `opts.bundled = false` loads only FILES
-- @treturn table the knowledge base (read-only; see `kb:get` and the other methods)
-- @return[2] nil when a file cannot be read or is not a valid knowledge base
-- @treturn[2] string the message, `"FILE:LINE:COL: what is wrong"`
-- @raise `bad argument #1 to 'load' (table expected, got string)` when FILES
-- is not a table or holds a non-string; likewise for OPTS
-- @usage local kb, err = interferon.load({ "site.yaml" })
function interferon.load(files, opts)
  if files ~= nil then util.checktype(files, "table", 1, "load") end
  if opts ~= nil then util.checktype(opts, "table", 2, "load") end
  local list = {}
  local bundled = not (opts and opts.bundled == false)
  if bundled and (files == nil or #files == 0) then
    -- the bundled files alone: their image, compiled at build time
    local image = core.image()
    if image then return KB.from_image(image, interferon._VERSION) end
  end
  if bundled then
    for _, f in ipairs(core.bundled()) do
      list[#list + 1] = { name = f.name, text = f.text, bundled = true }
    end
  end
  for i, path in ipairs(files or {}) do
    if type(path) ~= "string" then
      util.argerror(1, "load", ("file %d is a %s, not a path"):format(i, type(path)))
    end
    local text, err = read_file(path)
    if not text then return nil, err end
    list[#list + 1] = { name = path, text = text }
  end
  if #list == 0 then
    return nil, "no knowledge-base files to load"
  end
  return KB.new(list)
end

local default_kb

--- The bundled knowledge base, loaded once and cached.
-- @treturn table the knowledge base
-- @raise an error if the bundled knowledge base does not load (a broken build)
function interferon.default()
  if not default_kb then
    default_kb = assert(interferon.load())
  end
  return default_kb
end

--- Screens a patient against the bundled knowledge base: `kb:screen` on
-- `interferon.default()`.
-- @tparam table patient the patient (see `kb:screen` for the fields)
-- @treturn table the result: `status`, `findings`, `unrecognized`, `counts`, `kb`
-- @return[2] nil when the patient does not fit the schema
-- @treturn[2] string the message, naming the field
-- @treturn[2] string the field at fault
-- @raise `bad argument #1 to 'screen' (table expected, got ...)`
function interferon.screen(patient)
  util.checktype(patient, "table", 1, "screen")   -- here: a misuse names our caller
  return interferon.default():screen(patient)
end

--- Checks symptoms reported during therapy against the bundled knowledge
-- base: `kb:check_symptoms` on `interferon.default()`.
-- @tparam {string,...} list the symptoms as the patient says them
-- @treturn table a result of the same shape as `screen`'s
-- @return[2] nil when LIST is not a list of strings
-- @treturn[2] string the message
-- @raise `bad argument #1 to 'check_symptoms' (table expected, got ...)`
function interferon.check_symptoms(list)
  util.checktype(list, "table", 1, "check_symptoms")
  return interferon.default():check_symptoms(list)
end

--- Looks a term up in the bundled knowledge base: `kb:lookup` on
-- `interferon.default()`.
-- @tparam string term a name, synonym, brand, code or misspelling
-- @treturn table the entry
-- @treturn string how it matched: `"exact"`, `"synonym"`, `"code"` or `"approximate"`
-- @return[2] nil when nothing matches
-- @treturn[2] {string,...} up to three suggested entry names (possibly empty)
-- @raise `bad argument #1 to 'lookup' (string expected, got ...)`
function interferon.lookup(term)
  util.checktype(term, "string", 1, "lookup")
  return interferon.default():lookup(term)
end

--- Scores a PHQ-9 depression questionnaire against the bundled knowledge
-- base: `kb:score_phq9` on `interferon.default()`.
-- @tparam {int,...} items the nine item scores, each 0, 1, 2 or 3, in order
-- @treturn table a result of the same shape as `screen`'s, with `type =
-- "phq9"`, `items`, `total` and `band`
-- @return[2] nil when ITEMS is not nine scores of 0-3
-- @treturn[2] string the message, e.g. `"PHQ-9 needs 9 item scores, got 8"`
-- @raise `bad argument #1 to 'score_phq9' (table expected, got ...)`
-- @usage local result = interferon.score_phq9({ 1, 1, 2, 1, 0, 1, 1, 0, 1 })
function interferon.score_phq9(items)
  util.checktype(items, "table", 1, "score_phq9")
  return interferon.default():score_phq9(items)
end

--- Iterates over the patients of a YAML file (one or many documents) or a
-- JSON array, one record at a time in constant memory.  Reading goes on
-- after a bad record: no record is dropped without a word.  A pipe, FIFO or
-- standard input is read like a file.
-- @function patients
-- @tparam string path the file, or `"-"` for standard input
-- @treturn function an iterator giving `patient, nil, n` for a good record
-- and `false, "FILE:LINE:COL: message", n` for a refused one (n counts
-- records).  The first value is a table or `false`, never a record's own
-- value: a record that is YAML `false` (or not a mapping, or with no
-- clinical field) is refused, with its message.  A file that cannot be
-- opened, or holds no record, gives one `false, message, 0`.
-- @return nil, nil (the loop's state and control)
-- @return the reader, the loop's closing value on Lua 5.4: a `break`
-- closes the file
-- @raise `bad argument #1 to 'patients' (string expected, got ...)`
-- @usage for patient, err, n in interferon.patients("roster.yaml") do ... end
interferon.patients = stream.patients

--- Formats a screening or symptom result.  The same result always gives the
-- same bytes; every report names the knowledge base's version and checksum
-- and carries the notice.  Sources are cited from `opts.kb`, else from the
-- knowledge base that made the result, else (for a result copied or read
-- back from JSON) from the bundled knowledge base when its checksum matches.
-- @tparam table result a result of `screen`, `check_symptoms` or `score_phq9`
-- @tparam string format `"text"`, `"markdown"`, `"json"`, `"html"`,
-- `"cds-hooks"` or `"fhir"`
-- @tparam[opt] table opts `color` (text: ANSI colours), `kb` (the knowledge
-- base the result came from), `source` and `record` (where the patient came from)
-- @treturn string the report
-- @raise `bad argument #2 to 'report' (unknown format ...)` for an unknown
-- format, `bad argument #1 ...` when RESULT is not a result
function interferon.report(result, format, opts)
  if type(result) == "table" and type(result.kb) == "table" and
      (opts == nil or (type(opts) == "table" and opts.kb == nil)) then
    local kb = KB.of(result)
    if not kb and result.kb.checksum == interferon.default().checksum then
      kb = interferon.default()
    end
    if kb then
      local with = { kb = kb }
      for k, v in pairs(opts or {}) do with[k] = v end
      opts = with
    end
  end
  return report.render(result, format, opts)
end

--- Reads a FHIR R4 Bundle (JSON) of one patient's record into the patient
-- table `screen` takes: Patient (identifier or id, gender, and birthDate as
-- an age when `opts.as_of` gives the day), Condition (ICD-10-CM code, else
-- text), MedicationStatement and MedicationRequest (ATC code, else text,
-- else RxNorm display) and pregnancy status Observations (LOINC 82810-3).
-- The mappings are in the README, "Interoperability".  JSON is read
-- strictly (RFC 8259, duplicate keys refused).
-- @function from_fhir
-- @tparam string json the Bundle
-- @tparam[opt] table opts `name` (for messages, default "bundle"), `as_of` ("YYYY-MM-DD")
-- @treturn table the patient
-- @treturn ?table notes: positioned messages on conflicts settled on the safe
-- side (an undated "pregnant" against a "not pregnant"), or nil
-- @return[2] nil when the Bundle cannot be read
-- @treturn[2] string "NAME:LINE:COL: message"
-- @raise `bad argument #1 to 'from_fhir' (string expected, got ...)`
interferon.from_fhir = fhir.from_fhir

return interferon
