-- Masking helpers for mask_pii.lua.
local M = {}

-- email keeps the first character of the user and the domain:
-- alice@example.com becomes a***@example.com.
function M.email(s)
  local first, domain = string.match(s, "^(.)[^@]*@(.+)$")
  if first == nil then
    return "***"
  end
  return first .. "***@" .. domain
end

-- digits keeps the last `keep` digits and writes * for the others,
-- dropping everything that is not a digit.
function M.digits(s, keep)
  local digits = string.gsub(s, "%D", "")
  local hidden = math.max(#digits - keep, 0)
  return string.rep("*", hidden) .. string.sub(digits, hidden + 1)
end

return M
