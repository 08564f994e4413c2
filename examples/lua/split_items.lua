-- Fans an order out into one record per item, keyed by the order id:
--
--   {"id":"o1","customer":"c9","items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}
--
-- becomes
--
--   {"sku":"a","qty":2,"order":"o1","customer":"c9","line":1}
--   {"sku":"b","qty":1,"order":"o1","customer":"c9","line":2}
--
-- An order without items produces nothing.
--
--   etl-kread -e orders | etl-lua examples/lua/split_items.lua | etl-kwrite order-items

function process(rec)
  local out = {}
  if rec.items == nil then
    return out
  end
  for i, item in ipairs(rec.items) do
    local r = record.new(item) -- a copy of the item, with rec's key and headers
    r.order = rec.id
    r.customer = rec.customer
    r.line = i
    meta(r).key = rec.id
    out[#out + 1] = r
  end
  return out
end
