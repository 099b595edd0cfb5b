-- The rock installs offline into a fresh tree, and the installed module and
-- command work from another directory with the bundled knowledge base.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  local ok, _, code = p:close()
  if type(ok) == "number" then code = ok end -- Lua 5.1 returns the status
  return out, (ok == true or code == 0) and 0 or (code or 1)
end

local lua = os.getenv("INTERFERON_LUA") or "lua5.4"
local version = _VERSION:match("%d+%.%d+")

describe("luarocks make #external", function()
  local tree = os.tmpname()
  os.remove(tree)

  teardown(function() run("rm -rf " .. tree) end)

  it("installs offline into a fresh tree", function()
    local out, code = run(("luarocks --lua-version %s make --tree %s"):format(version, tree))
    assert.equal(0, code, out)
    assert.matches("interferon scm%-1 is now installed", out)
  end)

  it("loads the bundled knowledge base from another directory", function()
    local out, code = run(("cd / && eval \"$(luarocks --lua-version %s path --tree %s)\" && "
      .. "%s -e 'local i = require(\"interferon\") "
      .. "print(i.default():lookup(\"Ativan\").id)'"):format(version, tree, lua))
    assert.equal(0, code, out)
    assert.equal("drug.lorazepam\n", out)
  end)

  it("puts the interferon command on the tree's bin/", function()
    local out, code = run(("cd / && %s/bin/interferon --version"):format(tree))
    assert.equal(0, code, out)
    assert.matches("^interferon %d+%.%d+%.%d+", out)
  end)
end)
