-- Masks personal data with helpers from a module, lib/mask.lua, which
-- require loads from the directory given with --lua-path:
--
--   {"email":"alice@example.com","card":"4111 1111 1111 1234","ssn":"123-45-6789"}
--
-- becomes
--
--   {"email":"a***@example.com","card":"************1234"}
--
--   etl-lua --lua-path examples/lua/lib examples/lua/mask_pii.lua < users.ndjson

local mask = require("mask")

function process(rec)
  if type(rec.email) == "string" then
    rec.email = mask.email(rec.email)
  end
  if type(rec.card) == "string" then
    rec.card = mask.digits(rec.card, 4)
  end
  rec.ssn = nil
  return rec
end
