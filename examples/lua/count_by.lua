-- Counts records per value of one field and writes one record per value
-- at the end of the stream, in order of first appearance:
--
--   {"type":"click","count":3}
--
-- --var field=NAME picks the field (default "type"). The input records
-- themselves are dropped. Counts are per worker: in etl-pipe with several
-- processors, each writes its own totals.
--
--   etl-lua --var field=status examples/lua/count_by.lua < events.ndjson

local counts, order = {}, {}
local field

function init()
  field = vars.field or "type"
end

function process(rec)
  local value = rec[field]
  if value == nil then
    value = json.null
  end
  local name = tostring(value)
  if counts[name] == nil then
    counts[name] = 0
    order[#order + 1] = value
  end
  counts[name] = counts[name] + 1
  return nil
end

function finish()
  local out = {}
  for i, value in ipairs(order) do
    -- Fields assigned one by one keep their order; a Lua table literal
    -- would come out with its keys sorted.
    local r = record.new({})
    r[field] = value
    r.count = counts[tostring(value)]
    out[i] = r
  end
  return out
end
