--- What both tables of `make bench` share: writing a generated input, and
-- counting instructions with callgrind.
local measure = {}

--- Writes TEXT to PATH.
function measure.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

--- The instructions callgrind counts while the shell command CMD runs,
-- with OPTIONS (callgrind's own, e.g. "--toggle-collect=core_decode") and
-- ENV ("VAR=value ...", or nil) in its environment, valgrind itself
-- started through WRAPPER (e.g. "setarch -R", or nil).
function measure.instructions(options, cmd, env, wrapper)
  local p = io.popen(("%s%svalgrind --tool=callgrind --callgrind-out-file=/dev/null %s %s 2>&1")
    :format(env and "env " .. env .. " " or "", wrapper and wrapper .. " " or "", options, cmd))
  local out = p:read("a")
  p:close()
  local n = out:match("Collected%s*:%s*(%d+)")
  assert(n, "callgrind failed: " .. out)
  return tonumber(n)
end

return measure
