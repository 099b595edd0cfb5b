-- JSON input (issue 15: JSON input, items 5 and 8): the strict RFC 8259
-- parser behind from_fhir (core.json_decode) and JSON rosters
-- (core.json_open through interferon.patients and `interferon screen`),
-- and FHIR pregnancy observations ordered by time.
local core = require("interferon.core")
local interferon = require("interferon")
local command = require("spec.command")
local support = require("spec.support")

local function decode(text, opts)
  return core.json_decode(text, "t.json", opts)
end

-- the message core.json_decode gives for TEXT (which must be refused)
local function refusal(text, opts)
  local v, err = decode(text, opts)
  assert.is_nil(v)
  return err
end

describe("core.json_decode: valid JSON that libyaml refused", function()
  it("reads surrogate pairs (emoji), big integers, long keys and a leading tab", function()
    assert.same({ s = "\240\159\152\128 caf\195\169" },
      decode('{"s": "\\ud83d\\ude00 caf\\u00e9"}'))
    local v = decode('[9223372036854775807, 9223372036854775808, 1e400, -12, 0.5]')
    assert.equals(9223372036854775807, v[1])
    assert.equals(9223372036854775808.0, v[2])
    assert.equals(math.huge, v[3])
    assert.equals(-12, v[4])
    assert.equals(0.5, v[5])
    local math_type = rawget(math, "type")       -- Lua 5.3 and later
    if math_type then
      assert.same({ "integer", "float", "float", "integer", "float" },
        { math_type(v[1]), math_type(v[2]), math_type(v[3]), math_type(v[4]), math_type(v[5]) })
    end
    local key = ("k"):rep(2000)
    assert.equals(1, decode('{"' .. key .. '": 1}')[key])
    assert.same({ a = true }, decode('\t{"a":\ttrue}\r\n'))
    assert.same({ "\0", "/\"\\\b\f\n\r\t" }, decode('["\\u0000", "\\/\\"\\\\\\b\\f\\n\\r\\t"]'))
  end)

  it("gives null as core.null and positions as the YAML decoder does", function()
    local v, pos = decode('{"a": null,\n "b": [1,\n  {"c": false}]}', { positions = true })
    assert.equals(core.null, v.a)
    assert.is_false(v.b[2].c)
    local L = 16777216
    assert.equals(1 * L + 1, pos[0])
    assert.equals(1 * L + 1, pos[v][0])
    assert.equals(1 * L + 2, pos[v].a)
    assert.equals(2 * L + 2, pos[v].b)
    assert.equals(2 * L + 8, pos[v.b][1])
    assert.equals(3 * L + 3, pos[v.b][2])
    assert.equals(3 * L + 4, pos[v.b[2]].c)
    assert.is_nil(select(2, decode("{}")))
  end)
end)

describe("core.json_decode: what is not JSON is refused, with its position", function()
  it("refuses comments, single quotes, trailing commas, anchors and duplicate keys", function()
    local cases = {
      { '{"a": 1} // note', "t.json:1:10: unexpected data after the JSON value" },
      { '// note\n{"a": 1}', "t.json:1:1: comments are not allowed in JSON" },
      { '{"a": /* x */ 1}', "t.json:1:7: comments are not allowed in JSON" },
      { '# x\n{}', "t.json:1:1: comments are not allowed in JSON" },
      { "{'a': 1}", "t.json:1:2: single quotes are not JSON (strings take double quotes)" },
      { '{"a": \'b\'}', "t.json:1:7: single quotes are not JSON (strings take double quotes)" },
      { '{"a": 1,}', "t.json:1:9: trailing comma before '}'" },
      { '[1, 2,\n]', "t.json:2:1: trailing comma before ']'" },
      { '{"a": &x [1], "b": *x}', "t.json:1:7: unexpected '&', expected a value" },
      { '{"a": 1, "b": {"c": 2, "c": 3}}', "t.json:1:24: duplicate key 'c'" },
      { '{a: 1}', "t.json:1:2: object keys must be strings in double quotes (found 'a')" },
      { '{1: 1}', "t.json:1:2: unexpected '1', expected a key (a string in double quotes)" },
    }
    for _, c in ipairs(cases) do assert.equals(c[2], refusal(c[1])) end
  end)

  it("refuses bad numbers, literals, strings and white space", function()
    local cases = {
      { '[01]', "t.json:1:2: numbers must not have leading zeros" },
      { '[-]', "t.json:1:2: a '-' must be followed by digits" },
      { '[+1]', "t.json:1:2: unexpected '+', expected a value" },
      { '[.5]', "t.json:1:2: unexpected '.', expected a value" },
      { '[1.]', "t.json:1:2: digits expected after the decimal point" },
      { '[1e+]', "t.json:1:2: digits expected in the exponent" },
      { '[NaN]', "t.json:1:2: 'NaN' is not a JSON value" },
      { '[-Infinity]', "t.json:1:2: a '-' must be followed by digits" },
      { '[Infinity]', "t.json:1:2: 'Infinity' is not a JSON value" },
      { '[True]', "t.json:1:2: 'True' is not a JSON value" },
      { '[nul]', "t.json:1:2: 'nul' is not a JSON value" },
      { '[truex]', "t.json:1:2: 'truex' is not a JSON value" },
      { '["a\tb"]', "t.json:1:4: control character 0x09 in a string (write it as an escape)" },
      { '["a\nb"]', "t.json:1:4: control character 0x0A in a string (write it as an escape)" },
      { '["\\ud83d"]', "t.json:1:3: lone surrogate '\\uD83D' in a string" },
      { '["\\ude00"]', "t.json:1:3: lone surrogate '\\uDE00' in a string" },
      { '["\\ud83d\\u0041"]', "t.json:1:3: lone surrogate '\\uD83D' in a string" },
      { '["\\u12"]', "t.json:1:3: '\\u' must be followed by four hex digits" },
      { '["\\x"]', "t.json:1:3: invalid escape '\\x' in a string" },
      { '["\255"]', "t.json:1:3: invalid UTF-8 (byte 0xFF)" },
      { '["\192\128"]', "t.json:1:3: invalid UTF-8 (byte 0xC0)" },
      { '["\237\160\128"]', "t.json:1:3: invalid UTF-8 (byte 0xED)" },
      { '["caf\195"]', "t.json:1:6: invalid UTF-8 (byte 0xC3)" },
      { '["abc', "t.json:1:2: unterminated string" },
      { '\f[]', "t.json:1:1: unexpected byte 0x0C, expected a value" },
      { '[1,\v2]', "t.json:1:4: unexpected byte 0x0B, expected a value" },
      { '[1 2]', "t.json:1:4: expected ',' or ']' after an array item" },
      { '{"a" 1}', "t.json:1:6: expected ':' after an object key" },
      { '{"a": 1 "b": 2}', "t.json:1:9: expected ',' or '}' after an object member" },
      { '', "t.json:1:1: unexpected end of input" },
      { ' \n ', "t.json:2:2: unexpected end of input" },
      { '{"a": [1, ', "t.json:1:11: unexpected end of input" },
      { '{} {}', "t.json:1:4: unexpected data after the JSON value" },
    }
    for _, c in ipairs(cases) do assert.equals(c[2], refusal(c[1])) end
  end)

  it("has explicit limits, each with a positioned message", function()
    assert.equals(1000, #(function()
      local v, n = decode(("["):rep(1000) .. ("]"):rep(1000)), 0
      while type(v) == "table" do v, n = v[1], n + 1 end
      return ("x"):rep(n)
    end)())
    assert.equals("t.json:1:1001: nesting deeper than the limit of 1000",
      refusal(("["):rep(100000)))
    assert.equals("t.json:1:1001: nesting deeper than the limit of 1000",
      refusal(("["):rep(100000), { max_depth = 1e9 }))
    assert.equals("t.json:1:11: nesting deeper than the limit of 2",
      refusal('{"a": [1, {"b": 2}]}', { max_depth = 2 }))
    assert.equals("t.json:1:7: string longer than the limit of 8 bytes",
      refusal('{"a": "0123456789"}', { max_string = 8 }))
    assert.same({ a = "01234567" }, decode('{"a": "01234567"}', { max_string = 8 }))
    assert.equals("t.json:1:7: string longer than the limit of 1500 bytes",
      refusal('{"a": "' .. ("x"):rep(2000) .. '"}', { max_string = 1500 }))
    assert.equals("t.json:2:1: string longer than the limit of 1048576 bytes",
      refusal('[\n"' .. ("x"):rep(1048577) .. '"]'))
    assert.equals(1048576, #decode('[\n"' .. ("x"):rep(1048576) .. '"]')[1])
    assert.equals("t.json:1:1: input of 12 bytes is larger than the limit of 10",
      refusal('[1, 2, 3, 4]', { max_input = 10 }))
    assert.equals("t.json:1:8: more than 3 values in one record",
      refusal('[1, 2, 3]', { max_nodes = 3 }))
    assert.equals("t.json:1:2: number longer than the limit of 1000 characters",
      refusal("[" .. ("1"):rep(1001) .. "]"))
    assert.equals(1e300, decode(("1"):rep(1) .. ("0"):rep(300)))
  end)

  it("raises on misuse", function()
    assert.has_error(function() core.json_decode(nil, "x") end,
      "bad argument #1 to 'json_decode' (string expected, got nil)")
    assert.has_error(function() core.json_decode("{}", "x", { max_depth = 0 }) end,
      "option 'max_depth' must be a positive number")
  end)
end)

describe("interferon.from_fhir reads strict JSON", function()
  local function bundle(entries, extra)
    return (extra or "") .. '{"resourceType": "Bundle", "type": "collection", "entry": [' ..
      table.concat(entries, ",\n") .. "]}"
  end
  local condition = '{"resource": {"resourceType": "Condition", "code": {"text": "%s"}}}'

  it("accepts valid JSON libyaml refused", function()
    local p = assert(interferon.from_fhir(bundle({
      condition:format("depression \\ud83d\\ude1f"),
      '{"resource": {"resourceType": "Device", "udi": 18446744073709551616, "' ..
        ("x"):rep(2000) .. '": true}}',
    }, "\t")))
    assert.same({ conditions = { "depression \240\159\152\159" } }, p)
  end)

  it("refuses what is not JSON, with the place", function()
    local cases = {
      { bundle({ condition:format("a") }) .. " // end", "b.json:1:129: unexpected data after the JSON value" },
      { bundle({ condition:format("a") .. "," }), "b.json:1:127: trailing comma before ']'" },
      { bundle({ "{'resource': {}}" }), "b.json:1:61: single quotes are not JSON (strings take double quotes)" },
      { bundle({ '{"resource": &r {"resourceType": "Patient"}}' }),
        "b.json:1:73: unexpected '&', expected a value" },
      { '{"resourceType": "Bundle", "resourceType": "Patient"}', "b.json:1:28: duplicate key 'resourceType'" },
    }
    for _, c in ipairs(cases) do
      local p, err = interferon.from_fhir(c[1], { name = "b.json" })
      assert.is_nil(p)
      assert.equals(c[2], err)
    end
  end)
end)

describe("interferon.from_fhir: pregnancy status ordered in time (item 5)", function()
  local function obs(when, pregnant, key)
    return ('{"resource": {"resourceType": "Observation", "status": "final", "code": ' ..
      '{"coding": [{"system": "http://loinc.org", "code": "82810-3"}]}%s, ' ..
      '"valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "%s"}]}}}')
      :format(when and (', "%s": "%s"'):format(key or "effectiveDateTime", when) or "",
        pregnant and "77386006" or "60001007")
  end
  local function read(...)
    return interferon.from_fhir('{"resourceType": "Bundle", "entry": [\n' ..
      table.concat({ ... }, ",\n") .. "]}", { name = "b.json" })
  end

  it("compares instants, with their offsets", function()
    assert.same({ pregnant = true },
      read(obs("2024-05-01T23:30:00-08:00", true), obs("2024-05-02T01:00:00Z", false)))
    assert.same({ pregnant = false },
      read(obs("2024-05-01T23:30:00+08:00", true), obs("2024-05-02T01:00:00Z", false)))
    assert.same({ pregnant = true },
      read(obs("2024-05-02T01:00:00+01:00", false), obs("2024-05-02T00:30:00.250Z", true)))
    assert.same({ pregnant = false }, read(obs("2024-05-01", true), obs("2024-05-02", false)))
    assert.same({ pregnant = true }, read(obs("2024", false), obs("2025-01", true)))
    assert.same({ pregnant = true }, read(obs("2023-12-31", false),
      obs("2024-01-01T00:00:00Z", true, "issued")))
  end)

  it("refuses observations it cannot order that disagree, and a bad dateTime", function()
    local p, err = read(obs("2024-05-02", true), obs("2024-05-02T01:00:00Z", false))
    assert.is_nil(p)
    assert.equals("b.json:3:14: pregnancy status observations of the same time disagree " ..
      "('2024-05-02' and '2024-05-02T01:00:00Z')", err)
    p, err = read(obs("2024-05-02T01:00:00Z", true), obs("2024-05-02T03:00:00+02:00", false))
    assert.is_nil(p)
    assert.equals("b.json:3:14: pregnancy status observations of the same time disagree " ..
      "('2024-05-02T01:00:00Z' and '2024-05-02T03:00:00+02:00')", err)
    for _, bad in ipairs({ "yesterday", "2024-13-01", "2024-05-02T01:00:00", "2024-5-2" }) do
      p, err = read(obs(bad, false))
      assert.is_nil(p)
      assert.equals(("b.json:2:138: effectiveDateTime '%s' is not a FHIR dateTime"):format(bad), err)
    end
  end)

  it("never lets a dated 'not pregnant' silently override an undated 'pregnant'", function()
    local p, notes = read(obs(nil, true), obs("2019-01-01", false))
    assert.same({ pregnant = true }, p)
    assert.same({ "b.json:2:14: an undated pregnancy status observation says pregnant and " ..
      "a dated one ('2019-01-01') says not: pregnant is assumed" }, notes)
    p, notes = read(obs(nil, false), obs(nil, true))
    assert.same({ pregnant = true }, p)
    assert.same({ "b.json:3:14: undated pregnancy status observations disagree: pregnant is assumed" },
      notes)
    for _, c in ipairs({ { { obs(nil, true) }, true }, { { obs(nil, false) }, false },
        { { obs(nil, false), obs("2020-01-01", true) }, true },
        { { obs(nil, true), obs("2020-01-01", true) }, true } }) do
      p, notes = read(c[1][1], c[1][2])
      assert.same({ pregnant = c[2] }, p)
      assert.is_nil(notes)
    end
  end)

  it("shows the note on the command's standard error", function()
    local r = command.run({ "screen", "--input", "fhir", "--format", "json", "-" },
      '{"resourceType": "Bundle", "entry": [\n' .. obs(nil, true) .. ",\n" ..
      obs("2019-01-01", false) .. "]}")
    assert.equals("interferon: <stdin>:2:14: an undated pregnancy status observation says " ..
      "pregnant and a dated one ('2019-01-01') says not: pregnant is assumed\n", r.err)
    assert.matches('"pregnant":true', r.out, 1, true)
  end)
end)

-- a JSON roster of N records, record BAD (if any) broken by BREAK (a
-- function of the record's text); LINES: one object a line
local function roster(n, bad, broken, lines)
  local recs = {}
  for i = 1, n do
    local r = ('{"id": "p%d", "medications": ["Xanax"], "age": %d}'):format(i, 20 + i % 50)
    recs[i] = i == bad and broken(r) or r
  end
  if lines then return table.concat(recs, "\n") .. "\n" end
  return "[\n" .. table.concat(recs, ",\n") .. "\n]\n"
end

-- every (patient or false, message, n) interferon.patients yields for PATH
local function read_all(path)
  local out, good, bad = {}, 0, 0
  for p, err, n in interferon.patients(path) do
    out[#out + 1] = { p = p, err = err, n = n }
    if p then good = good + 1 else bad = bad + 1 end
  end
  return out, good, bad
end

describe("JSON rosters: one record at a time, and a broken record loses only itself (item 8)", function()
  after_each(support.cleanup)

  local missing_comma = function(r) return (r:gsub(', "age"', ' "age"')) end

  it("reads 99 patients and 1 error from an array of 100 with one syntax error", function()
    local path = support.tmpfile(roster(100, 37, missing_comma), ".json")
    local out, good, bad = read_all(path)
    assert.same({ 100, 99, 1 }, { #out, good, bad })
    assert.equals(path .. ":38:40: expected ',' or '}' after an object member " ..
      "(skipped to line 39)", out[37].err)
    for i = 1, 100 do assert.equals(i, out[i].n) end
    assert.equals("p38", out[38].p.id)
  end)

  it("reads one object a line (NDJSON) the same way", function()
    local path = support.tmpfile(roster(100, 50, function(r) return r:sub(1, -3) end, true),
      ".ndjson")
    local out, good, bad = read_all(path)
    assert.same({ 100, 99, 1 }, { #out, good, bad })
    assert.equals(path .. ":51:1: expected ',' or '}' after an object member " ..
      "(skipped to line 51)", out[50].err)
    assert.equals("p51", out[51].p.id)
  end)

  it("resumes at the next ',' or ']' of the roster array, as the README says", function()
    local cases = {
      -- a record that closes the wrong bracket
      { '[{"id": "a", "medications": ["x"}, {"id": "b", "medications": ["y"]}]',
        { "F:1:33: expected ',' or ']' after an array item (skipped to line 1)", "b" } },
      -- a line break inside a string: part of the string
      { '[{"id": "a\n", "medications": ["x"]},\n{"id": "b", "medications": ["y"]}]',
        { "F:1:11: control character 0x0A in a string (write it as an escape) " ..
          "(skipped to line 3)", "b" } },
      -- two records without a comma: the second is lost with the first's error
      { '[{"id": "a", "medications": ["x"]} {"id": "b", "medications": ["y"]},' ..
        ' {"id": "c", "medications": ["z"]}]',
        { "a", "F:1:36: expected ',' or ']' after record 1 (skipped to line 1)", "c" } },
      -- a trailing comma, garbage after the array, a truncated file
      { '[{"id": "a", "medications": ["x"]},]',
        { "a", "F:1:36: trailing comma before ']'" } },
      { '[{"id": "a", "medications": ["x"]}] x',
        { "a", "F:1:37: unexpected data after the roster array" } },
      { '[{"id": "a", "medications": ["x"]},\n{"id": "b", "medi',
        { "a", "F:2:13: unterminated string" } },
      { '[{"id": "a", "medications": ["x"]}',
        { "a", "F:1:35: the input ended before the roster array was closed with ']'" } },
      -- a record that is no object is a record refused by the schema
      { '[{"id": "a", "medications": ["x"]}, [1], null, {"id": "b", "medications": [5]}]',
        { "a", "F:1:37: record 2 must be a mapping of patient fields, got a list",
          "F:1:42: record 3 must be a mapping of patient fields, got null",
          "F:1:76: medications[1] must be a string, got number" } },
    }
    for _, c in ipairs(cases) do
      local path = support.tmpfile(c[1], ".json")
      local got = {}
      for p, err in interferon.patients(path) do
        got[#got + 1] = p and p.id or err:gsub("^.-:(%d+:%d+: )", "F:%1")
      end
      assert.same(c[2], got)
    end
  end)

  it("resumes one object a line at the next line whose first non-blank is '{'", function()
    local text = '{"id": "a", "medications": ["x"]}\n' ..
      '{"id": "b", "medications": ["x"],\n  "age": 4o,\n  {"nested": 1}\n' ..
      '{"id": "c",\n  "medications": ["y"]}\n' ..
      "{'id': 'd'}\n" ..
      '  {"id": "e", "medications": ["z"]}\n'
    local path = support.tmpfile(text, ".ndjson")
    local got = {}
    for p, err in interferon.patients(path) do
      got[#got + 1] = p and p.id or err:gsub("^.-:(%d+:%d+: )", "F:%1")
    end
    assert.same({ "a", "F:3:11: expected ',' or '}' after an object member (skipped to line 4)",
      "F:4:4: unknown field 'nested'",
      "c", "F:7:2: single quotes are not JSON (strings take double quotes) (skipped to line 8)",
      "e" }, got)
  end)

  it("is read only when the first byte is '[' or '{'; YAML goes to the YAML reader", function()
    local r = assert(core.json_open(support.tmpfile('\n\t [{"id": "a"}]', ".json")))
    assert.same({ id = "a" }, r:next())
    assert.is_nil(r:next())
    r:close()
    r:close()
    assert.is_nil(r:next())
    r = assert(core.json_open(support.tmpfile("  [ \n ]  ", ".json")))
    assert.is_nil(r:next())
    r:close()
    assert.is_false(core.json_open(support.tmpfile("- id: a\n")))
    assert.is_false(core.json_open(support.tmpfile("")))
    local none, err = core.json_open("/nonexistent/x.json")
    assert.is_nil(none)
    assert.matches("^/nonexistent/x.json:1:1: cannot open file: ", err)
    local out = read_all(support.tmpfile("# a YAML file\n- id: a\n  medications: [x]\n"))
    assert.same({ id = "a", medications = { "x" } }, out[1].p)
  end)
end)

describe("interferon screen: JSON rosters from a file, one object a line, standard input", function()
  after_each(support.cleanup)

  local function check(r)
    assert.equals(2, r.status)
    local n = 0
    for _ in r.out:gmatch('"record":{"file":"[^"]*","number":%d+}') do n = n + 1 end
    assert.equals(100, n)
    local errors = 0
    for _ in r.out:gmatch('{"error":') do errors = errors + 1 end
    assert.equals(1, errors)
    assert.matches("interferon: 100 records: 99 screened, 1 error", r.err, 1, true)
  end

  it("screens 99 patients and reports 1 error for a roster of 100 with one syntax error", function()
    local text = roster(100, 10, function(r) return r:gsub('"Xanax"', "'Xanax'") end)
    check(command.run({ "screen", "--format", "json", support.tmpfile(text, ".json") }))
    check(command.run({ "screen", "--format", "json", "-" }, text))
    text = roster(100, 10, function(r) return r:gsub('"Xanax"', "'Xanax'") end, true)
    check(command.run({ "screen", "--format", "json", support.tmpfile(text, ".ndjson") }))
    check(command.run({ "screen", "--format", "json", "-" }, text))
  end)

  it("reads standard input through interferon.patients('-') the same way", function()
    local script = 'local good, bad = 0, 0 ' ..
      'for p, err in require("interferon").patients("-") do ' ..
      'if p then good = good + 1 else bad = bad + 1 print(err) end end print(good, bad)'
    local function broken(rec) return (rec:gsub('"age"', '"age" 1,')) end
    local text = roster(100, 64, broken)
    local r = command.sh(command.lua .. " -e " .. command.quote(script), text)
    assert.same({ 0, "<stdin>:65:47: expected ':' after an object key (skipped to line 66)\n" ..
      "99\t1\n" }, { r.status, r.out })
    text = roster(100, 64, broken, true)
    r = command.sh(command.lua .. " -e " .. command.quote(script), text)
    assert.same({ 0, "<stdin>:64:47: expected ':' after an object key (skipped to line 65)\n" ..
      "99\t1\n" }, { r.status, r.out })
  end)

  it("keeps YAML on standard input readable after looking for JSON", function()
    local r = command.run({ "screen", "-" }, "\n\n  \nid: a\nage: x\n")
    assert.equals("interferon: <stdin>:5:1: field 'age' must be a number, got string \"x\"\n",
      r.err)
  end)
end)
