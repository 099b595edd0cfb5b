-- luacheck over lua/, spec/ and examples/ (`make lint`).
-- The library runs on Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT, so its code may use
-- only the globals all of them have ("min"); what exists on some versions
-- only is read with rawget(_G, name) and tested for.
std = "min"
max_line_length = 100
exclude_files = { "build" }

-- specs assert exact messages, which make long lines
files["spec"] = { std = "+busted", max_line_length = 140 }
-- the fuzz harnesses and benchmarks run in a C host embedding Lua 5.4 only
files["spec/fuzz"] = { std = "lua54" }
files["spec/bench"] = { std = "lua54" }
