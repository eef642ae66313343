-- wrk script: POST /api/v1/feedback with a distinct text per request (no duplicate joining).
local counter = 0
-- Numbers the threads in the main Lua state; each thread reads its own as the global `thread_id` (a `local`
-- here would shadow it, and every thread would send the same texts, half of them then joining as duplicates).
local next_thread = 0
local texts = {
  "Tôi ở xã Toàn Lưu muốn hỏi thủ tục đăng ký thường trú cho con",
  "cho em hoi lam can cuoc o cong an phuong thanh sen mat bao lau a",
  "Xe máy của tôi bị mất trước chợ xã Cẩm Trung, biển số 38A",
  "Đêm qua nhóm thanh niên tụ tập gây ồn ào ở xóm 3 xã Thạch Hà",
}
setup = function(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end
request = function()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1] .. " (" .. tostring(thread_id) .. "-" .. counter .. ")"
  local body = '{"text":"' .. text .. '"}'
  return wrk.format("POST", "/api/v1/feedback", {["Content-Type"] = "application/json"}, body)
end
