-- The HTML report in a real browser: Debian's headless Chromium renders it
-- to PNG and PDF (copied to build/chromium/ for a person to look at), the
-- page must not be blank, and no piece of input may have become markup.
-- The work happens in a private temporary directory, so that a parallel
-- `make clean` cannot pull files from under the browser.
local interferon = require("interferon")
local command = require("spec.command")

local KEEP = "build/chromium"

local PATIENT = {
  id = "MRN-<b>x</b>",
  sex = "female",
  age = 52,
  breastfeeding = false,
  conditions = { "<script>alert(1)</script>", "major depression", "E11.9" },
  medications = { "Xanax 0.5mg", "<img src=x onerror=alert(2)>", "Benadryl", "Ativn" },
  supplements = { "St. John's wort", "vitamin D" },
}

local function chromium()
  local r = command.sh("command -v chromium")
  return r.status == 0 and r.out:match("^(%S+)") or nil
end

-- Runs Chromium headless on the file at PAGE with EXTRA flags, with a
-- fresh profile; returns the run's { status, out, err }.
local function browse(bin, page, extra)
  local profile = os.tmpname()
  os.remove(profile)
  local flags = { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--user-data-dir=" .. profile }
  for _, f in ipairs(extra) do flags[#flags + 1] = f end
  local line = { "timeout", "120", bin }
  for _, f in ipairs(flags) do line[#line + 1] = command.quote(f) end
  line[#line + 1] = command.quote("file://" .. page)
  local r = command.sh(table.concat(line, " "))
  if r.status ~= 0 then                   -- a busy machine: one more try
    command.sh("rm -rf " .. command.quote(profile))
    r = command.sh(table.concat(line, " "))
  end
  command.sh("rm -rf " .. command.quote(profile))
  return r
end

local function size(path)
  local f = io.open(path, "rb")
  if not f then return 0 end
  local n = f:seek("end")
  f:close()
  return n
end

-- the width and height a PNG file's header gives, after checking its signature
local function png_size(path)
  local head = command.slurp(path):sub(1, 24)
  assert.equals("\137PNG\r\n\26\n", head:sub(1, 8))
  local function u32(i)
    return head:byte(i) * 2 ^ 24 + head:byte(i + 1) * 2 ^ 16 + head:byte(i + 2) * 2 ^ 8 + head:byte(i + 3)
  end
  return { u32(17), u32(21) }
end

describe("the HTML report in headless Chromium #external", function()
  local bin = chromium()
  local dir = os.tmpname()
  local page, blank = dir .. "/report.html", dir .. "/blank.html"

  setup(function()
    os.remove(dir)
    command.sh("mkdir -p " .. command.quote(dir))
    local f = assert(io.open(page, "wb"))
    f:write(interferon.report(assert(interferon.screen(PATIENT)), "html"))
    f:close()
    f = assert(io.open(blank, "wb"))
    f:write("<!DOCTYPE html><html><body></body></html>\n")
    f:close()
  end)

  teardown(function()
    command.sh(("mkdir -p %s && cp %s/report.* %s/"):format(command.quote(KEEP), command.quote(dir),
      command.quote(KEEP)))
    command.sh("rm -rf " .. command.quote(dir))
  end)

  it("renders a page that is not blank, to PNG and to PDF", function()
    if not bin then
      pending("chromium is not installed: `make deps` installs it (apt-get install -y chromium)")
      return
    end
    local png, blank_png, pdf = dir .. "/report.png", dir .. "/blank.png", dir .. "/report.pdf"
    local r = browse(bin, page, { "--screenshot=" .. png, "--window-size=1000,1400",
      "--hide-scrollbars" })
    assert.equals(0, r.status, r.err)
    assert.same({ 1000, 1400 }, png_size(png))
    -- the baseline must itself be a real render: a failed one (no file,
    -- size 0) would let any PNG pass the comparison below
    r = browse(bin, blank, { "--screenshot=" .. blank_png, "--window-size=1000,1400",
      "--hide-scrollbars" })
    assert.equals(0, r.status, r.err)
    assert.same({ 1000, 1400 }, png_size(blank_png))
    assert.is_true(size(blank_png) > 0)
    -- a blank page compresses to almost nothing; text, tables and badges do not
    assert.is_true(size(png) > 10 * size(blank_png),
      ("report %d bytes, blank page %d bytes"):format(size(png), size(blank_png)))
    r = browse(bin, page, { "--print-to-pdf=" .. pdf, "--no-pdf-header-footer",
      "--print-to-pdf-no-header" })
    assert.equals(0, r.status, r.err)
    local doc = command.slurp(pdf)
    assert.equals("%PDF-", doc:sub(1, 5))
    assert.is_true(#doc > 20000, "the PDF has content: " .. #doc .. " bytes")
    assert.is_true(select(2, doc:gsub("/Type%s*/Page[^s]", "")) >= 1, "at least one page")
  end)

  it("shows the input as text: no input became markup", function()
    if not bin then
      pending("chromium is not installed: `make deps` installs it (apt-get install -y chromium)")
      return
    end
    local r = browse(bin, page, { "--dump-dom" })
    assert.equals(0, r.status, r.err)
    local dom = r.out
    assert.truthy(dom:find("<h1>Interferon screening", 1, true), "the page was parsed")
    assert.truthy(dom:find("&lt;script&gt;alert(1)&lt;/script&gt;", 1, true))
    assert.truthy(dom:find("&lt;img src=x onerror=alert(2)&gt;", 1, true))
    assert.truthy(dom:find("MRN-&lt;b&gt;x&lt;/b&gt;", 1, true))
    assert.falsy(dom:find("<script", 1, true), "no script element")
    assert.falsy(dom:find("<img", 1, true), "no img element")
    assert.falsy(dom:find("<b>", 1, true), "no b element")
  end)
end)

describe("the review sheet in headless Chromium", function()
  local bin = chromium()
  local dir = os.tmpname()
  local page, blank = dir .. "/review.html", dir .. "/blank.html"
  local kb = interferon.default()

  setup(function()
    os.remove(dir)
    command.sh("mkdir -p " .. command.quote(dir))
    local r = command.script("lua/interferon/review.lua", { page })   -- as `make review` does
    assert(r.status == 0, r.err)
    local f = assert(io.open(blank, "wb"))
    f:write("<!DOCTYPE html><html><body></body></html>\n")
    f:close()
  end)

  teardown(function()
    command.sh(("mkdir -p %s && cp %s/review.* %s/"):format(command.quote(KEEP), command.quote(dir),
      command.quote(KEEP)))
    command.sh("rm -rf " .. command.quote(dir))
  end)

  it("renders a page that is not blank, with its title", function()
    if not bin then
      pending("chromium is not installed: `make deps` installs it (apt-get install -y chromium)")
      return
    end
    local png, blank_png = dir .. "/review.png", dir .. "/blank.png"
    local r = browse(bin, page, { "--screenshot=" .. png, "--window-size=1200,1600",
      "--hide-scrollbars" })
    assert.equals(0, r.status, r.err)
    browse(bin, blank, { "--screenshot=" .. blank_png, "--window-size=1200,1600",
      "--hide-scrollbars" })
    assert.equals("\137PNG\r\n\26\n", command.slurp(png):sub(1, 8))
    assert.is_true(size(png) > 10 * size(blank_png),
      ("review sheet %d bytes, blank page %d bytes"):format(size(png), size(blank_png)))
    r = browse(bin, page, { "--dump-dom" })
    assert.equals(0, r.status, r.err)
    local title = ("Interferon knowledge base %s: clinical review sheet"):format(kb.version)
    assert.truthy(r.out:find("<title>" .. title .. "</title>", 1, true), "the title")
    assert.truthy(r.out:find("<h1>" .. title .. "</h1>", 1, true), "the page was parsed")
    assert.truthy(r.out:find(kb.checksum, 1, true), "the checksum")
    assert.truthy(r.out:find('<section class="signoff">', 1, true), "the sign-off block")
  end)
end)
