--- Helpers for the specs that run programs: the `interferon` command as a
-- subprocess (`lua5.4 lua/interferon/cli.lua`), exactly as a user runs it.
local command = {}

--- The Lua interpreter the suite runs on (`make test` sets INTERFERON_LUA).
command.lua = os.getenv("INTERFERON_LUA") or "lua5.4"

--- S quoted for /bin/sh.
function command.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Under plain `busted` (no LUA_PATH: the paths come from .busted), the
-- programs run get the checkout's modules too, as `make test` gives them.
local paths = ""
if not os.getenv("LUA_PATH") then
  local build = command.lua:match("[^/]*$")
  paths = ("export LUA_PATH=%s LUA_CPATH=%s; "):format(
    command.quote("lua/?.lua;lua/?/init.lua;;"), command.quote("build/" .. build .. "/?.so;;"))
end

--- Runs the shell command line CMD with STDIN (a string, or nil for an
-- empty input); returns { status = n, out = "...", err = "..." }.
function command.sh(cmd, stdin)
  local base = os.tmpname()
  local inp, out, err = base .. ".in", base .. ".out", base .. ".err"
  local f = assert(io.open(inp, "wb"))
  f:write(stdin or "")
  f:close()
  local a, _, c = os.execute(("%s%s <%s >%s 2>%s"):format(paths, cmd, inp, out, err))
  local status = c
  if type(a) == "number" then status = a >= 256 and math.floor(a / 256) or a end
  local r = { status = status, out = slurp(out), err = slurp(err) }
  os.remove(base)
  os.remove(inp)
  os.remove(out)
  os.remove(err)
  return r
end

--- Runs a Lua script with ARGS (a list of strings).
function command.script(path, args, stdin)
  local parts = { command.lua, command.quote(path) }
  for _, a in ipairs(args or {}) do parts[#parts + 1] = command.quote(a) end
  return command.sh(table.concat(parts, " "), stdin)
end

--- Runs `interferon ARGS...` as the installed command would.
function command.run(args, stdin)
  return command.script("lua/interferon/cli.lua", args, stdin)
end

--- The text of the file at PATH.
command.slurp = slurp

return command
