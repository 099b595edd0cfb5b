-- The YAML patient reader never loses or misreads a record (issue 15,
-- items 1, 6, 7 and 9): byte-order marks, empty and truncated records,
-- pipes, FIFOs and standard input, NUL bytes; the max_depth cap; the
-- reader as the loop's closing value.  Each through interferon.patients
-- and through the command, with exact messages and records in = out.
local interferon = require("interferon")
local core = require("interferon.core")
local command = require("spec.command")
local support = require("spec.support")

local BOM = "\239\187\191"
local NO_CLINICAL = "has no clinical fields (conditions, medications, supplements, " ..
  "symptoms, pregnant, breastfeeding)"

-- the command line that runs `interferon ARGS` (for bash -c and pipes)
local function cli(args)
  local parts = { command.lua, "lua/interferon/cli.lua" }
  for _, a in ipairs(args) do parts[#parts + 1] = command.quote(a) end
  return table.concat(parts, " ")
end

-- every (patient or false, message, n) of interferon.patients(PATH), the
-- messages with PATH replaced by "F"
local function read_all(path)
  local out = {}
  for p, err, n in interferon.patients(path) do
    out[#out + 1] = { p = p, err = err and (err:gsub(path:gsub("%p", "%%%0"), "F")), n = n }
  end
  return out
end

local function read_text(text)
  return read_all(support.tmpfile(text))
end

-- the six kinds of record of a roster: good, a syntax error, a NUL byte,
-- no clinical field, good behind a byte-order mark, bad UTF-8
local KINDS = {
  function(i) return ("id: P%d\nmedications: [Xanax]\n"):format(i) end,
  function(i) return ("id: P%d\nmedications: [Xanax\n"):format(i) end,
  function(i) return ("id: P%d\nconditions: [dep\0ression]\n"):format(i) end,
  function(i) return ("id: P%d\nage: 40\n"):format(i) end,
  function(i) return (BOM .. "id: P%d\nconditions: [depression]\n"):format(i) end,
  function(i) return ("id: P%d\nconditions: [\255]\n"):format(i) end,
}

-- a roster of N records, record i of kind (i - 1) % #KINDS + 1 (the bad
-- UTF-8 one last: libyaml cannot read on after it)
local function roster(n)
  local parts = {}
  for i = 1, n do
    local kind = (i - 1) % (#KINDS - 1) + 1
    if i == n then kind = #KINDS end
    parts[i] = "---\n" .. KINDS[kind](i)
  end
  return table.concat(parts)
end

-- the command's messages for roster(6) read from NAME
local function six_errors(name)
  return table.concat({
    "interferon: " .. name .. ":7:1: did not find expected ',' or ']' (while parsing a " ..
      "flow sequence at line 6, column 14) (skipped to line 7)",
    "interferon: " .. name .. ":9:17: control characters are not allowed (byte 0x00) " ..
      "(skipped to line 10)",
    "interferon: " .. name .. ":11:1: record 4 " .. NO_CLINICAL,
    "interferon: " .. name .. ":18:14: invalid leading UTF-8 octet (byte 0xFF) " ..
      "(no later document marker: the rest of the input was skipped)",
  }, "\n") .. "\n"
end

describe("the patient reader", function()
  after_each(support.cleanup)

  describe("a UTF-8 byte-order mark", function()
    it("is skipped at the start of a file: every field read, columns from after it", function()
      local out = read_text(BOM .. "id: B\nconditions: [depression]\nmedications: [Xanax]\n" ..
        "---\n" .. BOM .. "id: C\nmedications: [Ativan, 7]\n")
      assert.same({ id = "B", conditions = { "depression" }, medications = { "Xanax" } }, out[1].p)
      assert.same({ false, "F:6:23: medications[2] must be a string, got number", 2 },
        { out[2].p, out[2].err, out[2].n })
      assert.equals(2, #out)
    end)

    it("is skipped at the start of a later document, before or after its marker", function()
      local out = read_text("id: A\nconditions: [x]\n...\n" .. BOM .. "---\nid: B\n" ..
        "conditions: [y]\n---\n" .. BOM .. "id: C\nconditions: [z]\n")
      assert.same({ "A", "B", "C" }, { out[1].p.id, out[2].p.id, out[3].p.id })
      assert.same({ { "z" }, 3 }, { out[3].p.conditions, #out })
    end)

    it("in a list roster no longer hides every later patient", function()
      local out = read_text(BOM .. "- {id: A, conditions: [x]}\n- {id: B, conditions: [y]}\n")
      assert.same({ "A", "B", 2 }, { out[1].p.id, out[2].p.id, #out })
    end)

    it("is skipped by core.decode, and in a knowledge-base overlay", function()
      local docs = core.decode(BOM .. "a: 1\nb: 2\n---\n" .. BOM .. "c: 3\n", "t")
      assert.same({ { a = 1, b = 2 }, { c = 3 } }, docs)
      assert.same({ nil, "t:2:3: mapping values are not allowed in this context" },
        { core.decode(BOM .. "a: 1\n b: 2\n", "t") })
      local overlay = support.tmpfile(BOM .. command.slurp("examples/site-overlay.yaml"))
      local kb = assert(interferon.load({ overlay }))
      assert.equals("2026.11.1+site-1", kb.version)
      local r = command.run({ "validate", overlay })
      assert.same({ 0, overlay .. ": knowledge base 2026.11.1+site-1, valid\n", "" },
        { r.status, r.out, r.err })
    end)

    it("through the command, from a file and from standard input", function()
      local text = BOM .. "id: B\nconditions: [depression]\nmedications: [Xanax]\n"
      local path = support.tmpfile(text)
      for _, args in ipairs({ { "screen", "--format", "json", path },
                              { "screen", "--format", "json", "-" } }) do
        local r = command.run(args, text)
        assert.same({ 0, "" }, { r.status, r.err })
        assert.truthy(r.out:find('"status":"review"', 1, true))
        assert.truthy(r.out:find('"input":"Xanax"', 1, true))
        assert.truthy(r.out:find('"id":"condition.depression"', 1, true))
      end
    end)
  end)

  describe("an empty or truncated record", function()
    it("is refused, positioned and counted, never screened", function()
      local out = read_text("id:\n---\nid: B\nage: 40\nsex: male\n---\nid: C\n" ..
        "conditions:\n---\nid: D\nsymptoms: []\n---\nid: E\npregnant: false\n")
      assert.same({
        { false, "F:1:1: record 1 " .. NO_CLINICAL, 1 },
        { false, "F:3:1: record 2 " .. NO_CLINICAL, 2 },
        { false, "F:7:1: record 3 " .. NO_CLINICAL, 3 },
      }, { { out[1].p, out[1].err, out[1].n }, { out[2].p, out[2].err, out[2].n },
           { out[3].p, out[3].err, out[3].n } })
      assert.same({ id = "D", symptoms = {} }, out[4].p)
      assert.same({ id = "E", pregnant = false }, out[5].p)
      assert.equals(5, #out)
    end)

    it("a file with no record in it is an error, numbered 0", function()
      for _, text in ipairs({ "", BOM, "# nothing here\n", "---\n", "---\n...\n" }) do
        assert.same({ { p = false, err = "F:1:1: no records", n = 0 } }, read_text(text))
      end
    end)

    it("through the command: reported, exit status 2", function()
      local path = support.tmpfile("id:\n")
      local r = command.run({ "screen", path })
      assert.equals(2, r.status)
      assert.equals("interferon: " .. path .. ":1:1: record 1 " .. NO_CLINICAL .. "\n", r.err)
      assert.truthy(r.out:find("ERROR     " .. path .. ":1:1: record 1 has no clinical", 1, true))
      assert.falsy(r.out:find("CLEAR", 1, true))
      local empty = support.tmpfile("")
      r = command.run({ "screen", empty })
      assert.same({ 2, "interferon: " .. empty .. ":1:1: no records\n" ..
        "interferon: 0 records: 0 screened, 0 errors, 0 need review, 1 file not read\n" },
        { r.status, r.err })
      r = command.run({ "validate", empty })
      assert.same({ 2, empty .. ": 0 records, 1 error\n" }, { r.status, r.out })
      r = command.run({ "screen", "-" }, "")
      assert.same({ 2, "interferon: <stdin>:1:1: no records\n" ..
        "interferon: 0 records: 0 screened, 0 errors, 0 need review, 1 file not read\n" },
        { r.status, r.err })
    end)
  end)

  describe("a NUL byte in a line", function()
    it("is reported on its own line and column, and the next record is read", function()
      local out = read_text("id: A\nconditions: [x]\n---\nid: B\nmedications: [Xan\0ax]\n" ..
        "---\nid: C\nconditions: [y\0]\n---\nid: D\nconditions: [z]\n")
      assert.same({ "A", 4 }, { out[1].p.id, #out })
      assert.same({ false, "F:5:18: control characters are not allowed (byte 0x00) " ..
        "(skipped to line 6)", 2 }, { out[2].p, out[2].err, out[2].n })
      assert.same({ false, "F:8:15: control characters are not allowed (byte 0x00) " ..
        "(skipped to line 9)", 3 }, { out[3].p, out[3].err, out[3].n })
      assert.same({ "D", 4 }, { out[4].p.id, out[4].n })
    end)
  end)

  describe("line breaks", function()
    it("CR LF and CR alone are counted as libyaml counts them", function()
      for _, nl in ipairs({ "\r\n", "\r" }) do
        local text = ("id: A|conditions: [x]|---|id: B|medications: [Xanax|---|id: C|" ..
          "conditions: [y]|"):gsub("|", nl)
        local out = read_text(text)
        assert.same({ "A", "C", 3 }, { out[1].p.id, out[3].p.id, #out })
        assert.equals("F:6:1: did not find expected ',' or ']' (while parsing a flow " ..
          "sequence at line 5, column 14) (skipped to line 6)", out[2].err)
      end
    end)

    it("a tab after UTF-8 text is found where libyaml reports it", function()
      local out = read_text("id: \"\195\169\195\169\"\nconditions:\n\t- x\n---\nid: B\nconditions: [y]\n")
      assert.equals("F:3:1: tab characters are not allowed for indentation (use spaces) " ..
        "(skipped to line 4)", out[1].err)
      assert.same({ "B", 2 }, { out[2].p.id, #out })
    end)
  end)

  describe("pipes, FIFOs and standard input", function()
    local N = 61
    local text = roster(N)

    -- the reference: the same roster from a regular file
    local function from_file()
      local path = support.tmpfile(text)
      local out = read_all(path)
      return out, path
    end

    it("a regular file: records in = results + errors out, every good record whole", function()
      local out = from_file()
      local good, bad = 0, 0
      for i, o in ipairs(out) do
        assert.equals(i, o.n)
        if o.p then
          good = good + 1
          assert.equals("P" .. i, o.p.id)
          assert.truthy(o.p.medications or o.p.conditions)
        else
          bad = bad + 1
        end
      end
      assert.same({ N, 24, 37 }, { #out, good, bad })
    end)

    it("a FIFO through interferon.patients reads the same records and messages", function()
      local ref = from_file()
      local src = support.tmpfile(text)
      local fifo = os.tmpname()
      os.remove(fifo)
      assert.equals(0, command.sh("mkfifo " .. command.quote(fifo)).status)
      os.execute("cat " .. command.quote(src) .. " > " .. command.quote(fifo) .. " &")
      local out = read_all(fifo)
      os.remove(fifo)
      assert.same(ref, out)
    end)

    it("the command: a file, stdin, a pipe, <(...) and a FIFO give the same counts", function()
      local path = support.tmpfile(roster(6))
      local fifo = os.tmpname()
      os.remove(fifo)
      local line = cli({ "validate", path })
      local r = command.sh(line)
      assert.same({ 2, path .. ": 6 records, 4 errors\n", six_errors(path) },
        { r.status, r.out, r.err })
      local variants = {
        { cli({ "validate", "-" }) .. " <" .. command.quote(path), "<stdin>" },
        { "cat " .. command.quote(path) .. " | " .. cli({ "validate", "-" }), "<stdin>" },
        { "bash -c " .. command.quote(cli({ "validate" }) .. " <(cat " ..
          command.quote(path) .. ")"), nil },
        { "mkfifo " .. command.quote(fifo) .. " && { cat " .. command.quote(path) .. " > " ..
          command.quote(fifo) .. " & } && " .. cli({ "validate", fifo }) .. "; s=$?; rm -f " ..
          command.quote(fifo) .. "; exit $s", fifo },
      }
      for _, v in ipairs(variants) do
        r = command.sh("(" .. v[1] .. ")")
        local name = v[2] or r.out:match("^(.-): ")
        assert.same({ 2, name .. ": 6 records, 4 errors\n", six_errors(name) },
          { r.status, r.out, r.err })
      end
    end)

    it("screen through a pipe screens every record and reports every error", function()
      local path = support.tmpfile(text)
      local r = command.sh("(cat " .. command.quote(path) .. " | " ..
        cli({ "screen", "--format", "json", "-" }) .. ")")
      assert.equals(2, r.status)
      assert.truthy(r.err:find("interferon: " .. N .. " records: 24 screened, 37 errors, " ..
        "24 need review\n", 1, true))
      r = command.sh("bash -c " .. command.quote(cli({ "screen", "--format", "json" }) ..
        " <(cat " .. command.quote(path) .. ")"))
      assert.truthy(r.err:find("interferon: " .. N .. " records: 24 screened, 37 errors, " ..
        "24 need review\n", 1, true))
    end)
  end)

  describe("the reader object", function()
    it("is the loop's closing value: a break closes the file", function()
      local path = support.tmpfile("id: A\nconditions: [x]\n---\nid: B\nconditions: [y]\n")
      local iter, s, c, reader = interferon.patients(path)
      assert.same({ "function", "nil", "nil", "userdata" }, { type(iter), type(s), type(c), type(reader) })
      assert.equals("A", iter().id)
      if _VERSION == "Lua 5.4" then
        -- the generic for calls __close on its fourth value when left
        local close = getmetatable(reader).__close
        assert.equals("function", type(close))
        close(reader)
      else
        reader:close()
      end
      assert.is_nil(reader:next())
      assert.is_nil(iter())
    end)

    it("tells a refused record (false and a message) from a record that is false", function()
      local path = support.tmpfile("--- false\n--- {id: [x\n--- {id: a, symptoms: []}\n")
      local reader = assert(core.open(path, { positions = true }))
      local v, pos, n = reader:next()
      assert.same({ false, "table", 1 }, { v, type(pos), n })
      v, pos, n = reader:next()
      assert.same({ false, "string", 2 }, { v, type(pos), n })
      reader:close()
      local out = read_all(path)
      assert.same({ false, "F:1:5: record 1 must be a mapping of patient fields, got a boolean", 1 },
        { out[1].p, out[1].err, out[1].n })
      assert.same({ false, 2 }, { out[2].p, out[2].n })
      assert.same({ { id = "a", symptoms = {} }, 3 }, { out[3].p, #out })
    end)
  end)

  describe("max_depth", function()
    it("is capped at 1000: a larger value is refused, 100,000 levels stop at the cap", function()
      assert.has_error(function() core.decode("a", "x", { max_depth = 1e9 }) end,
        "option 'max_depth' must be at most 1000")
      assert.has_error(function() core.open("x", { max_depth = 1001 }) end,
        "option 'max_depth' must be at most 1000")
      assert.same({ nil, "x:1:1001: nesting deeper than the limit of 1000" },
        { core.decode(("["):rep(100000), "x", { max_depth = 1000 }) })
    end)
  end)
end)
