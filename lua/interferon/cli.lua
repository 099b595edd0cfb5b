--- The `interferon` command: screen patient files, check symptoms, look
-- terms up, explain and list entries, validate files.  `main(args)`
-- returns the exit status (0 done, 1 a finding at or above --fail-on, 2 bad
-- usage or bad input), so the command can be tested in-process; run as a
-- script (`lua5.4 lua/interferon/cli.lua ARGS`) it exits with that status.
-- @module interferon.cli
local core = require("interferon.core")
local interferon = require("interferon")
local report = require("interferon.report")
local schema = require("interferon.schema")
local util = require("interferon.util")

local M = {}

local PROGRESS_EVERY = 1000   -- records between progress lines (TTY only)
local MAX_INPUT = 64 * 1024 * 1024   -- bytes read whole: a FHIR Bundle, symptoms -
local CHUNK = 65536

-- whether this file runs as the command (signal handlers are the
-- process's: a library required by a busted run must not install them)
local as_command = false

local USAGE = [[
usage: interferon screen [REPORT OPTIONS] [--kb FILE]... FILE...|-
       interferon symptoms [REPORT OPTIONS] [--kb FILE]... TERM...|-
       interferon phq9 [REPORT OPTIONS] [--kb FILE]... S1 S2 ... S9
       interferon lookup [--kb FILE]... TERM...
       interferon explain [--kb FILE]... ID
       interferon list [--kb FILE]... [KIND]
       interferon validate [--kb FILE]... FILE...|-
       interferon --version | --help
       interferon COMMAND --help

REPORT OPTIONS: [--format FORMAT] [--output FILE] [--fail-on LEVEL]
]]

local HELP = {}

HELP.main = USAGE .. [[

Screens patients for interferon therapy against a sourced knowledge base.
The screening supports, and does not replace, clinical judgement.

commands:
  screen     screen the patients of YAML or JSON files (- for standard input)
  symptoms   check symptoms reported during therapy
  phq9       score a PHQ-9 depression questionnaire (nine item scores)
  lookup     find the entry a term resolves to
  explain    describe an entry, with its sources
  list       list the entries of a kind (the kinds, without KIND)
  validate   check patient files or knowledge-base files without screening

exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage or bad input
]]

local COMMON = [[
  --kb FILE         layer a knowledge-base file over the bundled one (repeatable)
  -h, --help        show this help
]]

local REPORTING = [[
  --format FORMAT   text (default), markdown, json, html; cds-hooks (a CDS Hooks
                    response) or fhir (a FHIR R4 Bundle); JSON: one line per record
  --output FILE     write the report to FILE, atomically, instead of standard output
  --fail-on LEVEL   exit 1 when a finding is at LEVEL or above: critical, high,
                    moderate, low or info (default: findings do not change the status)
]]

HELP.screen = [[
usage: interferon screen [--format FORMAT] [--kb FILE]... [--output FILE]
                         [--fail-on LEVEL] [--input yaml|fhir] FILE...|-

Screens every patient record of each FILE: a YAML file of one or many
documents ('---'), a YAML list or a JSON array; - reads standard input.  A bad
record is reported (on standard error and in the report) and screening goes
on with the next.  For more than one record a summary goes to standard error.

options:
  --input FORMAT    yaml (default): patient records as above; fhir: each FILE
                    is a FHIR R4 Bundle of one patient's record (Patient,
                    Condition, MedicationStatement/Request, pregnancy status)
]] .. REPORTING .. COMMON .. [[

exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage or a bad record
]]

HELP.symptoms = [[
usage: interferon symptoms [--format FORMAT] [--kb FILE]... [--output FILE]
                           [--fail-on LEVEL] TERM...|-

Checks symptoms reported during therapy; - reads one symptom per line from
standard input.  A symptom the knowledge base does not list is shown as not
recognised: report it to the care team all the same.

options:
]] .. REPORTING .. COMMON .. [[

exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage or bad input
]]

HELP.phq9 = [[
usage: interferon phq9 [--format FORMAT] [--kb FILE]... [--output FILE]
                       [--fail-on LEVEL] S1 S2 S3 S4 S5 S6 S7 S8 S9

Scores a PHQ-9 depression questionnaire: the nine item scores, each 0, 1, 2
or 3, in the questionnaire's order.  The report gives the total (0-27) and its
band (minimal, mild, moderate, moderately severe, severe); item 9 above 0 is
a critical finding (suicidal thoughts) whatever the total, and a total of 10
or more a high one (depression).

options:
]] .. REPORTING .. COMMON .. [[

exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage or bad scores
]]

HELP.lookup = [[
usage: interferon lookup [--kb FILE]... TERM...

Prints the entry a term resolves to (the words of TERM... are joined by
spaces) and how it matched: exact, synonym, code or approximate.

options:
]] .. COMMON .. [[

exit status: 0 found, 2 nothing matches (suggestions on standard error)
]]

HELP.explain = [[
usage: interferon explain [--kb FILE]... ID

Describes the entry ID (for example condition.depression), with its sources.

options:
]] .. COMMON .. [[

exit status: 0 done, 2 unknown id
]]

HELP.list = [[
usage: interferon list [--kb FILE]... [KIND]

Lists the entries of KIND (for example side_effect), one per line as
"ID  NAME", ordered by id.  Without KIND, lists the kinds and their counts.

options:
]] .. COMMON .. [[

exit status: 0 done, 2 unknown kind
]]

HELP.validate = [[
usage: interferon validate [--kb FILE]... FILE...|-

Checks files without screening.  A file that starts a knowledge base
(a line "format: interferon-kb/1") is loaded over the bundled knowledge base
and the --kb files; any other file is read as patient records, each checked
against the patient schema.  Prints one line per file; errors go to standard
error.

options:
]] .. COMMON .. [[

exit status: 0 every file is valid, 2 a file or record is not
]]

-- options each command takes: "value" (the last one wins), "list"
-- (repeatable) or "flag"
local OPTIONS = {
  screen = { format = "value", kb = "list", output = "value", ["fail-on"] = "value" },
  lookup = { kb = "list" },
  explain = { kb = "list" },
  list = { kb = "list" },
  validate = { kb = "list" },
}
OPTIONS.symptoms = OPTIONS.screen
OPTIONS.phq9 = OPTIONS.screen
OPTIONS.screen = { input = "value" }           -- screen's own: --input (issue 8)
for k, v in pairs(OPTIONS.symptoms) do OPTIONS.screen[k] = v end

-- ------------------------------------------------------------------------
-- the run: output streams and failures
-- ------------------------------------------------------------------------

-- a usage or input failure, carried by error() to main: MESSAGE (which
-- may quote input) is printed escaped for the terminal, HINT as it is
local fail = util.fail

-- a line on standard error: control and bidirectional formatting
-- characters from the data shown escaped (\x1b), never acted on
local function say(message)
  io.stderr:write("interferon: ", core.term_escape(message), "\n")
end

-- data on standard output, one line: escaped as say() does
local function put(...)
  local parts = { ... }
  for i, s in ipairs(parts) do parts[i] = core.term_escape(s) end
  io.stdout:write(table.concat(parts), "\n")
end

local function usage_error(command, message)
  fail(message, ("Try 'interferon %s--help'."):format(command and command .. " " or ""))
end

-- Parses ARGS (from index FIRST) for COMMAND: returns options and operands.
-- "--name value" and "--name=value"; "--" ends options; "-" is an operand.
local function parse(command, args, first)
  local spec, opts, operands = OPTIONS[command], { kb = {} }, {}
  local i, only_operands = first, false
  while i <= #args do
    local a = args[i]
    if only_operands or a == "-" or a:sub(1, 1) ~= "-" then
      operands[#operands + 1] = a
    elseif a == "--" then
      only_operands = true
    elseif a == "-h" or a == "--help" then
      opts.help = true
    else
      local name, value = a:match("^%-%-([%w-]+)=(.*)$")
      name = name or a:match("^%-%-([%w-]+)$")
      if not name or not spec[name] then
        usage_error(command, ("unknown option '%s' for '%s'%s"):format(a, command,
          util.did_you_mean(name or a, spec):gsub("'(.-)'", "'--%1'")))
      end
      if value == nil then
        i = i + 1
        value = args[i]
        if value == nil then usage_error(command, ("option '--%s' needs a value"):format(name)) end
      end
      if spec[name] == "list" then
        table.insert(opts[name], value)
      else
        opts[name] = value
      end
    end
    i = i + 1
  end
  return opts, operands
end

local function load_kb(opts)
  if #opts.kb == 0 then return interferon.default() end
  local kb, err = interferon.load(opts.kb)
  if not kb then fail(err) end
  return kb
end

-- Where the report goes: standard output, or FILE (core.output: a
-- regular file through a temporary file in the same directory, renamed
-- over FILE only when the report is whole; a device, pipe or standard
-- output written in place).
local function open_output(path)
  if not path then
    return { file = io.stdout, tty = core.isatty(1), commit = function() return true end,
      abort = function() end }
  end
  local f, err = core.output(path, { signals = as_command })
  if not f then fail(("%s:1:1: cannot write file: %s"):format(path, err)) end
  local out = { file = f, tty = false, path = path }
  function out.commit()
    local ok, werr = f:commit()
    if not ok then return nil, ("%s:1:1: cannot write file: %s"):format(path, werr) end
    return true
  end
  function out.abort() f:abort() end
  return out
end

-- Refuses an --output that is one of the files the run reads (an input
-- FILE, standard input, a --kb file), compared by device and inode: the
-- report would replace it.  A device or pipe is written in place, not
-- replaced (stdin and --output may both be /dev/null or a terminal).
-- INPUTS: the paths read, "-" for standard input.
local function check_output(opts, inputs)
  local path = opts.output
  if not path or core.file_type(path) ~= "file" then return end
  local function clash(what)
    fail(("--output '%s' is %s: the report would overwrite it"):format(path, what))
  end
  for _, input in ipairs(inputs) do
    if input == "-" then
      if core.same_file(path, 0) then clash("standard input") end
    elseif core.same_file(path, input) then
      clash(("the input file '%s'"):format(input))
    end
  end
  for _, kb in ipairs(opts.kb) do
    if core.same_file(path, kb) then clash(("the knowledge-base file '%s'"):format(kb)) end
  end
end

-- All of F (named NAME in messages), read in chunks and refused as soon as
-- it passes MAX_INPUT bytes: nil, message for that or a read error.
local function read_limited(f, name)
  local parts, n = {}, 0
  while true do
    local chunk, err = f:read(CHUNK)
    if not chunk then
      if err then return nil, ("%s:1:1: cannot read file: %s"):format(name, err) end
      return table.concat(parts)
    end
    n = n + #chunk
    if n > MAX_INPUT then
      return nil, ("%s:1:1: input of more than %d bytes is larger than the limit of %d")
        :format(name, MAX_INPUT, MAX_INPUT)
    end
    parts[#parts + 1] = chunk
  end
end

-- writes S to the output; a failure names the --output file, as its
-- commit would (a device such as /dev/full fails at once or at the end,
-- depending on how much was buffered)
local function write(out, s)
  local ok, err = out.file:write(s)
  if ok then return end
  if out.path then fail(("%s:1:1: cannot write file: %s"):format(out.path, tostring(err))) end
  fail(("cannot write the report: %s"):format(tostring(err)))
end

local function check_reporting(command, opts)
  local format = opts.format or "text"
  local known = false
  for _, f in ipairs(report.FORMATS) do known = known or f == format end
  if not known then
    usage_error(command, ("unknown format '%s' (the formats are %s)")
      :format(format, table.concat(report.FORMATS, ", ")))
  end
  if opts["fail-on"] and not schema.RANK[opts["fail-on"]] then
    usage_error(command, ("unknown level '%s' for '--fail-on' (the levels are %s)")
      :format(opts["fail-on"], table.concat(schema.SEVERITIES, ", ")))
  end
  return format
end

-- whether RESULT has a finding at or above LEVEL
local function reaches(result, level)
  if not level then return false end
  for _, f in ipairs(result.findings) do
    if schema.RANK[f.severity] <= schema.RANK[level] then return true end
  end
  return false
end

local function color_wanted(format, out)
  local no_color = os.getenv("NO_COLOR")
  return format == "text" and out.tty and (no_color == nil or no_color == "")
end

-- ------------------------------------------------------------------------
-- screen and symptoms
-- ------------------------------------------------------------------------

-- the state of one screening run over many records
local function new_tally(kb, opts, out, format)
  return { kb = kb, fail_on = opts["fail-on"], out = out, records = 0, errors = 0,
    review = 0, unreadable = 0, failed = false, progress = core.isatty(2),
    writer = report.writer(format, { color = color_wanted(format, out), kb = kb }) }
end

-- a record that could not be read, or (N == 0) a file that could not be
-- opened: both are reported, only the first counts as a record
local function tally_error(t, message, meta)
  if meta and meta.record == 0 then
    t.unreadable = t.unreadable + 1
  else
    t.records, t.errors = t.records + 1, t.errors + 1
  end
  if t.progress and t.records >= PROGRESS_EVERY then io.stderr:write("\r\27[K") end
  say(message)
  write(t.out, t.writer:error(message, meta))
end

local function tally_result(t, result, meta)
  t.records = t.records + 1
  if result.status ~= "clear" then t.review = t.review + 1 end
  t.failed = t.failed or reaches(result, t.fail_on)
  write(t.out, t.writer:body(result, meta))
  if t.progress and t.records % PROGRESS_EVERY == 0 then
    io.stderr:write(("\rinterferon: %d records screened..."):format(t.records))
  end
end

local function screen_file(t, path)
  local name = path == "-" and "<stdin>" or path
  for p, err, n in interferon.patients(path) do
    local meta = { source = name, record = n }
    if not p then
      tally_error(t, err, meta)
    else
      local result, serr = t.kb:screen(p)
      if result then
        tally_result(t, result, meta)
      else
        tally_error(t, ("%s: record %d: %s"):format(name, n, serr), meta)
      end
    end
  end
end

-- a FHIR R4 Bundle (--input fhir): one patient, read by interferon.from_fhir
local function screen_fhir(t, path)
  local name = path == "-" and "<stdin>" or path
  local f, err = io.stdin, nil
  if path ~= "-" then f, err = io.open(path, "rb") end
  local text
  if f then text, err = read_limited(f, name) else
    err = ("%s:1:1: cannot read file: %s"):format(name, (tostring(err):gsub("^.-: ", "")))
  end
  if f and f ~= io.stdin then f:close() end
  if not text then return tally_error(t, err, { source = name, record = 0 }) end
  local meta = { source = name, record = 1 }
  local p, ferr = interferon.from_fhir(text, { name = name })
  if not p then return tally_error(t, ferr, meta) end
  for _, note in ipairs(ferr or {}) do say(note) end     -- from_fhir's notes
  local result, serr = t.kb:screen(p)
  if result then return tally_result(t, result, meta) end
  tally_error(t, ("%s: %s"):format(name, serr), meta)
end

local function finish(t, roster)
  write(t.out, t.writer:foot())
  local ok, err = t.out.commit()
  if not ok then fail(err) end
  if t.progress and t.records >= PROGRESS_EVERY then io.stderr:write("\r\27[K") end
  if roster then
    say(("%d record%s: %d screened, %d error%s, %d need%s review%s"):format(t.records,
      t.records == 1 and "" or "s", t.records - t.errors, t.errors, t.errors == 1 and "" or "s",
      t.review, t.review == 1 and "s" or "", t.unreadable == 0 and "" or
      (", %d file%s not read"):format(t.unreadable, t.unreadable == 1 and "" or "s")))
  end
  if t.errors + t.unreadable > 0 then return 2 end
  return t.failed and 1 or 0
end

local function run_reporting(command, opts, operands, body)
  local format = check_reporting(command, opts)
  if #operands == 0 then
    usage_error(command, ("'%s' needs at least one %s"):format(command,
      ({ screen = "file (or - for standard input)", phq9 = "item score" })[command]
        or "symptom"))
  end
  check_output(opts, command == "screen" and operands or
    ((#operands == 1 and operands[1] == "-") and operands or {}))
  local kb = load_kb(opts)
  local out = open_output(opts.output)
  local t = new_tally(kb, opts, out, format)
  local ok, status = pcall(function()
    write(out, t.writer:head())
    return body(t)
  end)
  if not ok then
    out.abort()
    error(status, 0)
  end
  return status
end

local function cmd_screen(opts, operands)
  return run_reporting("screen", opts, operands, function(t)
    local input = opts.input or "yaml"
    if input ~= "yaml" and input ~= "fhir" then
      usage_error("screen", ("unknown input format '%s' (the input formats are fhir, yaml)")
        :format(input))
    end
    for _, path in ipairs(operands) do
      if input == "fhir" then screen_fhir(t, path) else screen_file(t, path) end
    end
    return finish(t, #operands > 1 or t.records ~= 1)
  end)
end

-- the symptoms: the operands, or (-) one a line of standard input, read
-- in chunks up to MAX_INPUT bytes; nil, message past that
local function read_symptoms(operands)
  if #operands == 1 and operands[1] == "-" then
    local text, err = read_limited(io.stdin, "<stdin>")
    if not text then return nil, err end
    local list = {}
    for line in text:gmatch("[^\n]+") do
      local term = line:match("^%s*(.-)%s*$")
      if term ~= "" then list[#list + 1] = term end
    end
    -- an empty check-in read from a file is no symptom check: never a CLEAR
    if #list == 0 then return nil, "<stdin>:1:1: no symptoms read (one a line expected)" end
    return list
  end
  return operands
end

-- a command that reports one result, made by PRODUCE(t) (or nil, message)
local function run_single(command, opts, operands, produce)
  return run_reporting(command, opts, operands, function(t)
    local result, err = produce(t)
    if not result then
      tally_error(t, err)
    else
      tally_result(t, result)
    end
    return finish(t, false)
  end)
end

local function cmd_symptoms(opts, operands)
  return run_single("symptoms", opts, operands, function(t)
    local list, err = read_symptoms(operands)
    if not list then return nil, err end
    return t.kb:check_symptoms(list)
  end)
end

-- the item scores as numbers where they are whole numbers, so that a bad
-- one is named as the user wrote it ("got 5", "got \"x\"")
local function cmd_phq9(opts, operands)
  return run_single("phq9", opts, operands, function(t)
    local items = {}
    for i, a in ipairs(operands) do items[i] = a:match("^%d+$") and tonumber(a) or a end
    local result, err = t.kb:score_phq9(items)
    if not result then return nil, core.text_clean(err) end
    return result
  end)
end

-- ------------------------------------------------------------------------
-- lookup, explain, list
-- ------------------------------------------------------------------------

local function one_operand(command, operands, what)
  if #operands ~= 1 then
    usage_error(command, ("'%s' needs exactly one %s"):format(command, what))
  end
  return operands[1]
end

local function cmd_lookup(opts, operands)
  if #operands == 0 then usage_error("lookup", "'lookup' needs a term") end
  local term = table.concat(operands, " ")
  local kb = load_kb(opts)
  local entry, how = kb:lookup(term)
  if not entry then
    local names = {}
    for i, s in ipairs(how) do names[i] = "'" .. s .. "'" end
    fail(("no entry matches '%s'%s"):format(term,
      #names > 0 and (" (did you mean " .. table.concat(names, ", ") .. "?)") or ""))
  end
  put(("%s  %s  (%s match)"):format(entry.id, entry.name, how))
  return 0
end

local function cmd_explain(opts, operands)
  local id = one_operand("explain", operands, "id")
  local text, err = load_kb(opts):explain(id)
  if not text then fail(err) end
  io.stdout:write(core.term_escape(text, true), "\n")
  return 0
end

local function cmd_list(opts, operands)
  if #operands > 1 then usage_error("list", "'list' takes one kind") end
  local kb, kind = load_kb(opts), operands[1]
  if kind == nil then
    local counts = {}
    for _, e in ipairs(kb:list()) do counts[e.kind] = (counts[e.kind] or 0) + 1 end
    for _, k in ipairs(schema.KINDS) do
      io.stdout:write(("%-20s %d\n"):format(k, counts[k] or 0))
    end
    return 0
  end
  if not schema.KIND_BIT[kind] then
    fail(("unknown kind '%s'%s; the kinds are %s"):format(kind,
      util.did_you_mean(kind, schema.KINDS), table.concat(schema.KINDS, ", ")))
  end
  local entries, w = kb:list(kind), 0
  for _, e in ipairs(entries) do w = math.max(w, #e.id) end
  for _, e in ipairs(entries) do
    put(e.id, (" "):rep(w - #e.id + 2), e.name)
  end
  return 0
end

-- ------------------------------------------------------------------------
-- validate
-- ------------------------------------------------------------------------

-- whether the file at PATH starts a knowledge base rather than patients
local function is_kb_file(path)
  -- (a pipe or FIFO is not looked at: what is read from it would be lost)
  if path == "-" or core.file_type(path) ~= "file" then return false end
  local f = io.open(path, "rb")
  if not f then return false end
  local head = (f:read(65536) or ""):gsub("^\239\187\191", "")
  f:close()
  return head:find("^format:%s*[\"']?interferon%-kb/") ~= nil or
    head:find("\nformat:%s*[\"']?interferon%-kb/") ~= nil
end

local function validate_patients(path)
  local name, records, errors = path == "-" and "<stdin>" or path, 0, 0
  for p, err, n in interferon.patients(path) do
    if n > 0 then records = records + 1 end
    if not p then
      errors = errors + 1
      say(err)
    end
  end
  put(("%s: %d record%s, %d error%s"):format(name, records,
    records == 1 and "" or "s", errors, errors == 1 and "" or "s"))
  return errors == 0
end

local function cmd_validate(opts, operands)
  if #operands == 0 then usage_error("validate", "'validate' needs at least one file") end
  local ok = true
  for _, path in ipairs(operands) do
    if is_kb_file(path) then
      local files = {}
      for i, f in ipairs(opts.kb) do files[i] = f end
      files[#files + 1] = path
      local kb, err = interferon.load(files)
      if kb then
        put(("%s: knowledge base %s, valid"):format(path, kb.version))
      else
        ok = false
        say(err)
      end
    elseif not validate_patients(path) then
      ok = false
    end
  end
  return ok and 0 or 2
end

-- ------------------------------------------------------------------------
-- main
-- ------------------------------------------------------------------------

local COMMANDS = { screen = cmd_screen, symptoms = cmd_symptoms, phq9 = cmd_phq9,
  lookup = cmd_lookup,
  explain = cmd_explain, list = cmd_list, validate = cmd_validate }

local function run(args)
  local command = args[1]
  if command == nil then
    io.stderr:write(USAGE)
    return 2
  end
  if command == "--version" then
    io.stdout:write(interferon._VERSION, " (knowledge base ", interferon.default().version, ")\n")
    return 0
  end
  if command == "--help" or command == "-h" or command == "help" then
    io.stdout:write(HELP[args[2]] or HELP.main)
    return 0
  end
  if not COMMANDS[command] then
    usage_error(nil, ("unknown command '%s'%s"):format(command,
      util.did_you_mean(command, COMMANDS)))
  end
  local opts, operands = parse(command, args, 2)
  if opts.help then
    io.stdout:write(HELP[command])
    return 0
  end
  return COMMANDS[command](opts, operands)
end

--- Runs the `interferon` command in-process (the installed command calls it
-- with `arg`).  Output goes to `io.stdout` and errors to `io.stderr` as
-- `interferon: FILE:LINE:COL: message`.
-- @tparam {string,...} args the arguments, without the program name
-- @treturn int the exit status: 0 done, 1 a finding at or above
-- `--fail-on`, 2 bad usage or bad input
-- @raise `bad argument #1 to 'main' (table expected, got ...)`
-- @usage os.exit(require("interferon.cli").main({ "lookup", "Ativan" }))
function M.main(args)
  if type(args) ~= "table" then
    error(("bad argument #1 to 'main' (table expected, got %s)"):format(type(args)), 2)
  end
  local list = {}
  for i = 1, #args do list[i] = tostring(args[i]) end
  -- a closure, not xpcall(run, handler, list): Lua 5.1 passes no arguments
  local ok, status = xpcall(function() return run(list) end, function(e)
    if util.failure(e) then return e end
    return debug.traceback(tostring(e), 2)
  end)
  if ok then return status end
  local message, hint = util.failure(status)
  if message then
    say(message)
    if hint then io.stderr:write(hint, "\n") end
  else
    io.stderr:write("interferon: internal error: ", core.term_escape(status, true), "\n")
  end
  return 2
end

-- run as a script (not required as a module): exit with main's status
if not pcall(debug.getlocal, 4, 1) then
  as_command = true
  core.catch_signals()
  os.exit(M.main(arg))
end

return M
