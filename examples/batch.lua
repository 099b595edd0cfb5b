--- A roster batch job: screens every patient of a roster file and writes
-- one report per patient into a directory (which must exist), named after
-- the patient's id.  A record that cannot be read is reported on stderr and
-- the job goes on: every record in is one report or one error out.
--
--   lua5.4 examples/batch.lua examples/roster.yaml reports/ [html|markdown|json|text]
-- (with the module installed; from a checkout, after `make`, put
-- LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/lua5.4/?.so;;'
-- before the command, as the README says)
--
-- Exit status: 0 all screened, 2 a record could not be read or a report written.
local interferon = require("interferon")

local roster, dir, format = arg[1], arg[2], arg[3] or "html"
if not roster or not dir then
  io.stderr:write("usage: batch.lua ROSTER DIR [FORMAT]\n")
  os.exit(2)
end
local EXT = { html = "html", markdown = "md", json = "json", text = "txt" }

-- writes TEXT to PATH through a temporary file, so no half report is left
local function write_atomically(path, text)
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  f:close()
  if not ok then
    os.remove(tmp)
    return nil, werr
  end
  return os.rename(tmp, path)
end

local written, failed = 0, 0
for patient, err, n in interferon.patients(roster) do
  if not patient then
    failed = failed + 1
    io.stderr:write("batch: ", err, "\n")
  else
    local result = assert(interferon.screen(patient))
    local name = (patient.id or ("record-" .. n)):gsub("[^%w._-]", "_")
    local path = ("%s/%s.%s"):format(dir, name, EXT[format] or format)
    local ok, werr = write_atomically(path, interferon.report(result, format))
    if ok then
      written = written + 1
      print(("%s  %s"):format(result.status, path))
    else
      failed = failed + 1
      io.stderr:write("batch: ", path, ": ", tostring(werr), "\n")
    end
  end
end
io.stderr:write(("batch: %d reports written, %d records not screened\n"):format(written, failed))
os.exit(failed == 0 and 0 or 2)
