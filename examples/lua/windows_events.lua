-- Normalizes Windows event-log records (NXLog JSON, as in the OTRF
-- Security Datasets) before indexing:
--
--   * drops Sysmon process-access events (EventID 10), which are most of
--     the volume, unless --var keep_access=1 is given
--   * writes Channel in lower case, so "Security" and "security" are one
--   * turns digit strings (ProcessId, SourcePort...) into numbers
--   * adds EventTimeUTC: EventTime is local time without a zone, whose
--     offset --var zone=-04:00 sets (UTC by default)
--   * adds audit = "success" or "failure" from the 64-bit Keywords mask
--   * replaces the multi-line Message by its first line, Summary
--   * keys the record by host and stamps it with @timestamp
--
-- Every other field, Keywords included, comes out byte for byte.
--
--   etl-lua --var zone=-04:00 examples/lua/windows_events.lua < events.ndjson

local numeric = {
  "ProcessId", "SourcePort", "DestPort", "IpPort", "LogonType",
  "Protocol", "TargetProcessId", "SourceProcessId", "SourceThreadId",
}

-- Bits of the Keywords mask: Audit Success is 2^53, Audit Failure 2^52.
local AUDIT_SUCCESS = 2 ^ 53
local AUDIT_FAILURE = 2 ^ 52

local zone

function init()
  zone = vars.zone or "UTC"
end

function process(rec)
  if rec.EventID == 10 and not vars.keep_access then
    return nil
  end

  rec.Channel = string.lower(rec.Channel)

  for _, name in ipairs(numeric) do
    local text = rec[name]
    if type(text) == "string" then
      rec[name] = tonumber(text) or text
    end
  end

  if rec.EventTime then
    local ms = time.parse(rec.EventTime, "%Y-%m-%d %H:%M:%S", zone)
    rec.EventTimeUTC = time.format(ms)
  end

  -- Keywords is beyond 2^53, so it reads as an exact bigint; the low 54
  -- bits of it fit a plain number again.
  local low = rec.Keywords % 2 ^ 54
  if low >= AUDIT_SUCCESS then
    rec.audit = "success"
  elseif low >= AUDIT_FAILURE then
    rec.audit = "failure"
  end

  if rec.Message then
    rec.Summary = strings.trim(strings.split(rec.Message, "\r\n")[1])
    rec.Message = nil
  end

  meta(rec).key = rec.Hostname
  meta(rec).timestamp = time.parse(rec["@timestamp"])
  return rec
end
