-- The command and the reports lose no output, take nothing over and inject
-- nothing (issue 15, items 10-13): --output never overwrites what the run
-- reads, never replaces a device, works on /dev/stdout as a normal user,
-- leaves no temporary file on SIGTERM/SIGHUP/SIGINT; whole-input reads stop
-- at the 64 MiB limit; control, bidirectional and link text from patients
-- and overlays reaches no terminal raw and no report as markup or links.
local command = require("spec.command")
local support = require("spec.support")
local core = require("interferon.core")
local interferon = require("interferon")

local run, q = command.run, command.quote
local CLI = command.lua .. " lua/interferon/cli.lua "
local LIMIT = 64 * 1024 * 1024

-- LINE run by /bin/sh in a subshell, so that its own redirections stand
local function sh(line, stdin) return command.sh("(" .. line .. ")", stdin) end

local function fresh_dir()
  local dir = os.tmpname()
  os.remove(dir)
  assert.equals(0, sh("mkdir " .. q(dir)).status)
  return dir
end

local function listing(dir) return sh("ls -A " .. q(dir)).out end

local function mode_of(path) return sh("stat -c %a " .. q(path)).out end

-- the command as user nobody when we are root (a normal user cannot
-- create files in /dev), else as ourselves, who are not root already
local is_root = sh("test \"$(id -u)\" = 0").status == 0
local AS_USER = is_root and "setpriv --reuid=nobody --regid=nogroup --clear-groups " or ""

describe("--output", function()
  after_each(support.cleanup)

  describe("never overwrites a file the run reads (item 10)", function()
    it("refuses an input file, by any of its names, and leaves it as it was", function()
      local dir = fresh_dir()
      local input = dir .. "/roster.yaml"
      sh("cp examples/roster.yaml " .. q(input))
      local before = command.slurp(input)
      sh(("ln -s roster.yaml %s/link.yaml && ln %s %s/hard.yaml"):format(q(dir), q(input), q(dir)))
      for _, out in ipairs({ input, dir .. "/link.yaml", dir .. "/hard.yaml", dir .. "/./roster.yaml" }) do
        local r = run({ "screen", "--output", out, "examples/patient.yaml", input })
        assert.same({ 2, "", ("interferon: --output '%s' is the input file '%s': the report " ..
          "would overwrite it\n"):format(out, input) }, { r.status, r.out, r.err })
      end
      assert.equals(before, command.slurp(input))
      assert.equals("hard.yaml\nlink.yaml\nroster.yaml\n", listing(dir))
      -- --input fhir reads its files too
      local r = run({ "screen", "--input", "fhir", "--output", dir .. "/link.yaml", input })
      assert.equals(2, r.status)
      assert.equals(before, command.slurp(input))
      sh("rm -r " .. q(dir))
    end)

    it("refuses a --kb file and the file standard input reads", function()
      local kb = support.tmpfile(command.slurp("examples/site-overlay.yaml"))
      local before = command.slurp(kb)
      local r = run({ "screen", "--kb", kb, "--output", kb, "examples/patient.yaml" })
      assert.same({ 2, ("interferon: --output '%s' is the knowledge-base file '%s': the report " ..
        "would overwrite it\n"):format(kb, kb) }, { r.status, r.err })
      r = run({ "symptoms", "--kb", kb, "--output", kb, "nausea" })
      assert.equals(2, r.status)
      assert.equals(before, command.slurp(kb))
      local input = support.tmpfile("id: A\nmedications: [Xanax]\n")
      for _, args in ipairs({ "screen --output %s -", "symptoms --output %s -" }) do
        r = sh(("{ %s%s < %s; }"):format(CLI, args:format(q(input)), q(input)))
        assert.same({ 2, "", ("interferon: --output '%s' is standard input: the report would " ..
          "overwrite it\n"):format(input) }, { r.status, r.out, r.err })
      end
      assert.equals("id: A\nmedications: [Xanax]\n", command.slurp(input))
      -- a device is written in place, not replaced: no clash (the run
      -- goes on to read standard input, whose emptiness is the only error)
      r = sh(("{ %ssymptoms --output /dev/null - < /dev/null; }"):format(CLI))
      assert.same({ 2, "", "interferon: <stdin>:1:1: no symptoms read (one a line expected)\n" },
        { r.status, r.out, r.err })
      r = sh(("{ %ssymptoms --output /dev/null - <<'EOF'\nnausea\nEOF\n}"):format(CLI))
      assert.same({ 0, "", "" }, { r.status, r.out, r.err })
    end)

    it("core.same_file compares paths and descriptors by device and inode", function()
      local a = support.tmpfile("a")
      local b = support.tmpfile("a")
      assert.is_true(core.same_file(a, a))
      assert.is_false(core.same_file(a, b))
      assert.is_false(core.same_file(a, a .. ".missing"))
      assert.is_true(core.same_file("README.md", "./spec/../README.md"))
      local script = support.tmpfile("local c = require('interferon.core')\n" ..
        "io.write(tostring(c.same_file(0, arg[1])), ' ', tostring(c.same_file(0, 'README.md')))\n", ".lua")
      local r = sh(("%s %s %s < %s"):format(command.lua, q(script), q(a), q(a)))
      assert.same({ 0, "true false" }, { r.status, r.out })
      assert.same({ "file", "directory", "character device" },
        { core.file_type(a), core.file_type("spec"), core.file_type("/dev/null") })
      assert.same({ nil, "No such file or directory" }, { core.file_type(a .. ".missing") })
    end)
  end)

  describe("writes where it is asked, and only there (item 11)", function()
    it("writes a device in place: /dev/null stays, /dev/full reports its error and stays", function()
      local r = run({ "screen", "--output", "/dev/null", "examples/patient.yaml" })
      assert.same({ 0, "", "" }, { r.status, r.out, r.err })
      r = run({ "screen", "--output", "/dev/full", "examples/patient.yaml" })
      assert.same({ 2, "", "interferon: /dev/full:1:1: cannot write file: No space left on device\n" },
        { r.status, r.out, r.err })
      assert.equals(0, sh("test -c /dev/null && test -c /dev/full").status)
      assert.equals("", sh("ls -A /dev | grep -E '^(null|full|stdout)\\..*\\.tmp$'").out)
    end)

    it("writes /dev/stdout as a normal user, to a pipe or a file, and leaves the link", function()
      local line = AS_USER .. CLI .. "screen --output /dev/stdout examples/patient.yaml"
      local r = sh(line .. " | cat")
      assert.same({ 0, "" }, { r.status, r.err })
      assert.matches("^Interferon screening: REVIEW\nRecord:   examples/patient.yaml, record 1\n", r.out)
      local direct = run({ "screen", "examples/patient.yaml" }).out
      assert.equals(direct, r.out)
      r = sh(line)                                -- stdout a file the runner made
      assert.same({ 0, direct, "" }, { r.status, r.out, r.err })
      r = sh(AS_USER .. CLI .. "screen --output /dev/stderr examples/patient.yaml")
      assert.same({ 0, "", direct }, { r.status, r.out, r.err })
      assert.equals(0, sh("test -L /dev/stdout && test -L /dev/stderr").status)
    end)

    it("replaces a regular file whole, keeping its mode, and a link's target, not the link", function()
      local dir = fresh_dir()
      local out = dir .. "/report.txt"
      sh(("printf old > %s && chmod 640 %s"):format(q(out), q(out)))
      local r = run({ "screen", "--output", out, "examples/patient.yaml" })
      assert.same({ 0, "", "" }, { r.status, r.out, r.err })
      assert.equals(run({ "screen", "examples/patient.yaml" }).out, command.slurp(out))
      assert.equals("640\n", mode_of(out))
      -- a new file gets the umask's mode
      r = sh(("umask 027 && %sscreen --output %s/new.txt examples/patient.yaml"):format(CLI, q(dir)))
      assert.equals(0, r.status)
      assert.equals("640\n", mode_of(dir .. "/new.txt"))
      -- through a symbolic link: the target is replaced, the link kept
      sh(("ln -s report.txt %s/link.txt"):format(q(dir)))
      r = run({ "screen", "--format", "json", "--output", dir .. "/link.txt", "examples/patient.yaml" })
      assert.equals(0, r.status)
      assert.equals(0, sh(("test -L %s/link.txt"):format(q(dir))).status)
      assert.matches('^{"counts":', command.slurp(out))
      assert.equals("link.txt\nnew.txt\nreport.txt\n", listing(dir))
      sh("rm -r " .. q(dir))
    end)

    it("core.output writes a temporary file beside the target, renamed only on commit", function()
      local dir = fresh_dir()
      local path = dir .. "/r.txt"
      local out = assert(core.output(path))
      assert.is_true(out:write("half"))
      assert.matches("^r%.txt%.%x%x%x%x%x%x%x%x%.tmp\n$", listing(dir))
      out:abort()
      out:abort()                                  -- idempotent
      assert.equals("", listing(dir))
      assert.has_error(function() out:write("x") end, "attempt to use a closed output")
      out = assert(core.output(path))
      assert.is_true(out:write("whole\n"))
      assert.is_true(out:commit())
      assert.equals("r.txt\n", listing(dir))
      assert.equals("whole\n", command.slurp(path))
      assert.same({ nil, "No such file or directory" }, { core.output(dir .. "/no/r.txt") })
      assert.same({ nil, "Is a directory" }, { core.output(dir) })
      sh("rm -r " .. q(dir))
    end)
  end)

  describe("on a signal (item 11)", function()
    -- Runs `screen --output DIR/out.txt -` on a FIFO that stays open (so the
    -- command waits for input), waits until its temporary file exists, sends
    -- SIG, and prints the exit status, the directory and standard error.
    local function interrupted(sig)
      local dir = fresh_dir()
      sh(("printf old > %s/out.txt"):format(q(dir)))
      local script = ([[
set -m
d=%s
mkfifo "$d/in"
%sscreen --output "$d/out.txt" - < "$d/in" 2> "$d/err" &
pid=$!
exec 3> "$d/in"
i=0
while [ $i -lt 600 ] && ! ls "$d" | grep -q '^out\.txt\..*\.tmp$'; do sleep 0.05; i=$((i + 1)); done
ls "$d" | grep -c '^out\.txt\..*\.tmp$'
kill -%s $pid
wait $pid
echo "status $?"
exec 3>&-
rm "$d/in"
ls "$d"
cat "$d/err"
cat "$d/out.txt"
]]):format(q(dir), CLI, sig)
      local r = sh("bash -c " .. q(script) .. " 2>/dev/null")
      sh("rm -r " .. q(dir))
      return r.out
    end

    it("SIGTERM and SIGHUP remove the temporary file and end the command by the signal", function()
      assert.equals("1\nstatus 143\nerr\nout.txt\nold", interrupted("TERM"))
      assert.equals("1\nstatus 129\nerr\nout.txt\nold", interrupted("HUP"))
    end)

    it("SIGINT removes it too, says 'interrupted' and exits 130, with no stack trace", function()
      assert.equals("1\nstatus 130\nerr\nout.txt\ninterferon: interrupted\nold", interrupted("INT"))
    end)
  end)
end)

describe("whole-input reads stop at the 64 MiB limit (item 12)", function()
  -- 100,000,000 zero bytes on a pipe; the command reads, then `wc -c`
  -- counts what it left: it must stop soon after the limit
  local function over_limit(args)
    local r = sh(("head -c 100000000 /dev/zero | { %s%s; echo \"status $?\"; wc -c; }")
      :format(CLI, args))
    local status, left = r.out:match("status (%d+)\n%s*(%d+)\n$")
    return r.err, tonumber(status), 100000000 - tonumber(left)
  end

  local MESSAGE = "%s:1:1: input of more than 67108864 bytes is larger than the limit of 67108864"

  it("symptoms - and screen --input fhir -", function()
    local err, status, read = over_limit("symptoms -")
    assert.equals("interferon: " .. MESSAGE:format("<stdin>") .. "\n", err)
    assert.equals(2, status)
    assert.is_true(read > LIMIT and read <= LIMIT + 2 * 65536, "read " .. read)
    err, status, read = over_limit("screen --input fhir -")
    assert.equals(("interferon: %s\ninterferon: 0 records: 0 screened, 0 errors, 0 need review, " ..
      "1 file not read\n"):format(MESSAGE:format("<stdin>")), err)
    assert.equals(2, status)
    assert.is_true(read > LIMIT and read <= LIMIT + 2 * 65536, "read " .. read)
  end)

  it("a --kb file on a pipe, or a regular file over the limit, through the command and the API", function()
    local err, status, read = over_limit("screen --kb /dev/stdin examples/patient.yaml")
    assert.equals("interferon: " .. MESSAGE:format("/dev/stdin") .. "\n", err)
    assert.equals(2, status)
    assert.is_true(read > LIMIT and read <= LIMIT + 2 * 65536, "read " .. read)
    local big = support.tmpfile("")
    sh("truncate -s 70000000 " .. q(big))
    assert.same({ nil, big .. ":1:1: input of 70000000 bytes is larger than the limit of 67108864" },
      { interferon.load({ big }) })
    assert.same({ nil, MESSAGE:format("/dev/zero") }, { interferon.load({ "/dev/zero" }) })
  end)
end)

describe("nothing from the data is injected (item 13)", function()
  after_each(support.cleanup)

  local ESC, RLO = "\27", "\226\128\174"
  local OVERLAY = ([[
format: interferon-kb/1
version: "site\e[31m-1"
entries:
  - id: reference.site
    kind: reference
    name: "Site ref"
    title: "Site\e[2J title \u202Eabc"
    url: "javascript:alert(1)"
    sources: [reference.site]
  - id: condition.site_thing
    kind: condition
    name: "Site\e[2Jthing"
    severity: high
    summary: "line one\e[31m red"
    action: "see www.example.org now"
    sources: [reference.site]
]])

  it("shows control and bidi characters escaped on the terminal: errors, lookup, list, explain, validate", function()
    local kb = support.tmpfile(OVERLAY)
    local r = run({ "lookup", "Xan" .. ESC .. "[31max" .. RLO })
    assert.same({ 2, "", "interferon: no entry matches 'Xan\\x1b[31max\\u202e'\n" }, { r.status, r.out, r.err })
    r = run({ "lookup", "--kb", kb, "Site" .. ESC .. "[2Jthing" })
    assert.same({ 0, "condition.site_thing  Site\\x1b[2Jthing  (exact match)\n", "" },
      { r.status, r.out, r.err })
    r = run({ "list", "--kb", kb, "condition" })
    assert.truthy(r.out:find("\ncondition.site_thing +Site\\x1b%[2Jthing\n"))
    assert.falsy(r.out:find(ESC, 1, true))
    r = run({ "explain", "--kb", kb, "condition.site_thing" })
    assert.same({ 0, "Site\\x1b[2Jthing (condition.site_thing)\nkind: condition\nseverity: high\n" ..
      "line one\\x1b[31m red\naction: see www.example.org now\nsources:\n" ..
      "  [reference.site] Site\\x1b[2J title \\u202eabc javascript:alert(1)\n", "" },
      { r.status, r.out, r.err })
    r = run({ "validate", kb })
    assert.same({ 0, kb .. ": knowledge base 2026.11.1+site\\x1b[31m-1, valid\n" }, { r.status, r.out })
    local roster = support.tmpfile("id: A\npregnant: \"no\\e[2J\\u202e\"\n---\nid: B\nmedications: [Xanax]\n")
    local want = ("interferon: %s:2:1: field 'pregnant' must be true or false, got string \"no\\x1b[2J\\u202e\"\n")
      :format(roster)
    r = run({ "validate", roster })
    assert.same({ 2, roster .. ": 2 records, 1 error\n", want }, { r.status, r.out, r.err })
    r = run({ "screen", roster })
    assert.equals(want .. "interferon: 2 records: 1 screened, 1 error, 1 needs review\n", r.err)
    assert.falsy(r.out:find(ESC, 1, true) or r.out:find(RLO, 1, true))
    -- a usage error quoting an argument, and its hint line
    r = run({ "screen", "--input", "x" .. ESC, "examples/patient.yaml" })
    assert.same({ 2, "interferon: unknown input format 'x\\x1b' (the input formats are fhir, yaml)\n" ..
      "Try 'interferon screen --help'.\n" }, { r.status, r.err })
  end)

  it("core.term_escape: visible escapes, text without them unchanged", function()
    assert.equals("a\\x1b[31mb\\t\\n\\r\\x7f\\u0085\\u202e\\u2066\\u061c\\u200f\\xff \226\128\148 \240\159\146\137",
      core.term_escape("a\27[31mb\t\n\r\127\194\133" .. RLO .. "\226\129\166\216\156\226\128\143\255 " ..
        "\226\128\148 \240\159\146\137"))
    assert.equals("one\n\ttwo\\x1b\\r", core.term_escape("one\n\ttwo\27\r", true))
    local plain = "Ativan 1 mg — café, 日本"
    assert.equals(plain, core.term_escape(plain))
  end)

  local patient = { id = "MRN" .. RLO .. "1", medications = { "Xanax", "see http://evil.example/x_y|z",
    "www.evil.example", "mail me@evil.example", "javascript:alert(1)" } }

  it("neutralises bidirectional formatting characters in every report", function()
    local result = assert(interferon.screen(patient))
    for _, format in ipairs({ "text", "markdown", "html" }) do
      local s = interferon.report(result, format)
      assert.falsy(s:find(RLO, 1, true), format)
      assert.truthy(s:find("MRN\239\191\1891", 1, true), format)      -- U+FFFD
    end
    for _, format in ipairs({ "json", "cds-hooks", "fhir" }) do
      local s = interferon.report(result, format)
      assert.falsy(s:find(RLO, 1, true), format)
    end
    assert.truthy(interferon.report(result, "json"):find('"id":"MRN\\u202e1"', 1, true))
    assert.equals('["\\u0085\\u202a\\u2069\\u061c\\u200e x"]',
      core.json_encode({ "\194\133\226\128\170\226\129\169\216\156\226\128\142 x" }))
  end)

  it("writes text that a Markdown renderer would link as code, never as a link", function()
    local md = interferon.report(assert(interferon.screen(patient)), "markdown")
    assert.truthy(md:find("\n- medications: see `http://evil.example/x_y`\\|z\n", 1, true))
    assert.truthy(md:find("\n- medications: `www.evil.example`\n", 1, true))
    assert.truthy(md:find("\n- medications: mail `me@evil.example`\n", 1, true))
    assert.truthy(md:find("\n- medications: javascript:alert(1)", 1, true))
    -- the knowledge base's own http(s) sources are explicit links
    md = interferon.report(assert(interferon.screen({ medications = { "Xanax" } })), "markdown")
    assert.matches("\n%- [%w\\_]+: [^\n]+ <https?://[^%s>]+>\n", md)
    -- CDS Hooks details are Markdown too: every URL there is in a code span
    local cards = interferon.report(assert(interferon.screen(patient)), "cds-hooks")
    assert.truthy(cards:find("see `http://evil.example/x_y`\\\\|z", 1, true))
    local seen = 0
    for _, card in ipairs(core.decode(cards, "cards")[1].cards) do
      for _, link in ipairs({ "http://evil.example/x_y", "www.evil.example", "me@evil.example" }) do
        local at = 1
        while true do
          at = card.detail:find(link, at, true)
          if not at then break end
          assert.equals("`", card.detail:sub(at - 1, at - 1), card.detail)
          assert.equals("`", card.detail:sub(at + #link, at + #link), card.detail)
          seen, at = seen + 1, at + 1
        end
      end
    end
    assert.is_true(seen >= 3, "seen " .. seen)
  end)

  it("writes only known severities as HTML classes", function()
    local result = assert(interferon.screen({ medications = { "Xanax" } }))
    local f = result.findings[1]
    local forged = { type = result.type, status = "review", patient = {}, notice = result.notice,
      kb = result.kb, counts = result.counts, unrecognized = {},
      findings = { { id = f.id, matched = f.matched, kind = f.kind, field = f.field, input = f.input,
        match = f.match, title = f.title, sources = {}, severity = 'x" onmouseover="alert(1)' } } }
    local html = interferon.report(forged, "html")
    assert.truthy(html:find('<span class="badge unknown">x&quot; onmouseover=&quot;alert(1)</span>', 1, true))
    assert.falsy(html:find('onmouseover="', 1, true))
    local text = interferon.report(forged, "text", { color = true })
    assert.truthy(text:find("\27[35mX\" ONMOUSEOVER=\"ALERT(1)\27[0m", 1, true))
  end)

  it("puts only http(s) URLs into FHIR and CDS Hooks link fields", function()
    local kb = assert(interferon.load({ support.tmpfile(OVERLAY) }))
    local result = assert(kb:screen({ conditions = { "Site\27[2Jthing" } }))
    local fhir = interferon.report(result, "fhir", { kb = kb })
    assert.falsy(fhir:find("javascript", 1, true))
    assert.falsy(fhir:find('"reference"', 1, true))
    assert.falsy(fhir:find(ESC, 1, true))
    local cds = interferon.report(result, "cds-hooks", { kb = kb })
    assert.falsy(cds:find("javascript", 1, true))
    -- the bundled sources keep their http(s) reference
    fhir = interferon.report(assert(interferon.screen({ medications = { "Xanax" } })), "fhir")
    assert.truthy(fhir:find('"reference":"https?://', 1, false))
    local interop = require("interferon.interop")
    assert.same({ true, true, false, false, false, false },
      { interop.web_url("https://a.example/x"), interop.web_url("HTTP://a.example"),
        interop.web_url("javascript:alert(1)"), interop.web_url("data:text/html,x"),
        interop.web_url("https://a.example/<x>"), interop.web_url(nil) })
  end)
end)
