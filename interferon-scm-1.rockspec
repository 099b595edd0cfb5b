rockspec_format = "3.0"
package = "interferon"
version = "scm-1"
-- An scm rockspec for a project not yet published: no server holds its
-- source, so the URL is in the reserved domain .invalid (RFC 2606), which
-- never resolves: `luarocks build` of this file alone fails at once
-- instead of fetching anything.  Build from a checkout with
-- `luarocks make`, which uses the checkout and never reads this URL
-- (offline; the README, "Installing with LuaRocks").  Once the repository
-- is public, its git URL goes here.
source = {
  url = "git+https://interferon.invalid/interferon.git",
}
description = {
  summary = "Interferon therapy knowledge base and patient screening for Lua",
  detailed = [[
A C extension module carrying a sourced knowledge base about interferon
therapy for leukemia, with fast YAML loading (libyaml), term matching and
patient screening for contraindications, interactions and reported
symptoms, and reports in text, Markdown, JSON and HTML.
]],
  license = "MIT",
  labels = { "medical", "yaml", "screening" },
}
dependencies = {
  "lua >= 5.1, < 5.5",
}
external_dependencies = {
  YAML = { header = "yaml.h", library = "yaml" },
}
build = {
  type = "make",
  build_target = "all",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA = "$(LUA)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    YAML_INCDIR = "$(YAML_INCDIR)",
    YAML_LIBDIR = "$(YAML_LIBDIR)",
  },
  install_target = "install-lib",
  install_variables = {
    LUA = "$(LUA)",
    INST_LUADIR = "$(LUADIR)",
    INST_LIBDIR = "$(LIBDIR)",
  },
  install = {
    bin = { interferon = "lua/interferon/cli.lua" },
  },
}
test = {
  type = "command",
  command = "make test",
}
