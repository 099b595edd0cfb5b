--- Fuzz harness: roster recovery (issue 15).  The input is cut at each
-- byte 0x1E into pieces of garbage; the roster written is, for each
-- piece, a document of that garbage followed by a known good record
-- ("id: G<i>" with a medication).  Read back through interferon.patients,
-- records come out numbered 1, 2, 3... with no gap; every refusal is
-- positioned; every good record comes out once, whole and in order,
-- whatever the garbage before it (a syntax error, a NUL byte, bad UTF-8,
-- a byte-order mark, CR line breaks: the reader resynchronises at its
-- '---'); and no record screened CLEAR lacks its clinical fields.
local interferon = require("interferon")
local patient = require("interferon.patient")

local kb = interferon.default()
local path = os.tmpname()
local MAX_PIECES = 16

local function good(i)
  return ("---\nid: G%d\nmedications: [Xanax]\n"):format(i)
end

local function run(data)
  local parts, k = {}, 0
  for piece in (data .. "\30"):gmatch("([^\30]*)\30") do
    if k == MAX_PIECES then break end
    k = k + 1
    parts[#parts + 1] = "---\n" .. piece .. "\n" .. good(k)
  end
  local f = assert(io.open(path, "wb"))
  f:write(table.concat(parts))
  f:close()
  local last, found, where = 0, 0, "^" .. path:gsub("%p", "%%%0") .. ":%d+:%d+: "
  for p, err, n in interferon.patients(path) do
    if n ~= last + 1 then error(("record %s after record %d"):format(tostring(n), last)) end
    last = n
    if p then
      local id = p.id
      if not patient.has_clinical(p) then error("a record without clinical fields passed") end
      if type(id) == "string" and id:match("^G%d+$") and
          p.medications and p.medications[1] == "Xanax" and #p.medications == 1 then
        found = found + 1
        if id ~= "G" .. found then error(("good record %s out of order (expected G%d)"):format(id, found)) end
      else                              -- (the good ones are known not CLEAR)
        local result = kb:screen(p)
        if result and result.status == "clear" and not patient.has_clinical(p) then
          error("a record CLEAR without its fields")
        end
      end
    elseif p == false then
      if type(err) ~= "string" or not err:find(where) then
        error("unpositioned refusal: " .. tostring(err))
      end
    else
      error("a record that is neither a patient nor false")
    end
  end
  if found ~= k then error(("%d of %d good records came out whole"):format(found, k)) end
end

return run, function() os.remove(path) end
