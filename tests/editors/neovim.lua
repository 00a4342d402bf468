-- Neovim's own LSP client, headless, against `kbcheck lsp` (run by tests/lsp.rs):
--   nvim --headless --clean -c 'luafile tests/editors/neovim.lua'
-- with KBCHECK_BIN (the binary), KBCHECK_ROOT (the workspace), KBCHECK_FILE (a topology with
-- two input problems) and KBCHECK_OUT (where to write what the editor shows).
-- It opens the file, attaches the server, waits for the two diagnostics, fixes the buffer as
-- a person would (two line edits), waits for the findings, and writes each state it saw as
-- `line:column:severity:code:first line of the message` (0-based line and column).
-- `vim.lsp.start_client` + `buf_attach_client` exist from Neovim 0.5 (Debian 12 has 0.7);
-- `vim.lsp.start` (0.8+) wraps the same two calls.
local out = {}
local function show(label, buf)
  table.insert(out, "# " .. label)
  local list = vim.diagnostic.get(buf)
  table.sort(list, function(a, b)
    if a.lnum ~= b.lnum then return a.lnum < b.lnum end
    return tostring(a.code) < tostring(b.code)
  end)
  for _, d in ipairs(list) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
    local first = d.message:gsub("\n.*", "")
    table.insert(out, string.format("%d:%d:%d:%s:%s", d.lnum, d.col, d.severity, code, first))
  end
end
local function finish(status)
  table.insert(out, "# " .. status)
  vim.fn.writefile(out, os.getenv("KBCHECK_OUT"))
  vim.cmd("qall!")
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("KBCHECK_FILE")))
vim.bo.filetype = "yaml"
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = "kbcheck",
  cmd = { os.getenv("KBCHECK_BIN"), "lsp" },
  root_dir = os.getenv("KBCHECK_ROOT"),
})
if not client then return finish("no client") end
vim.lsp.buf_attach_client(buf, client)

local function codes()
  local seen = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
    seen[#seen + 1] = code
  end
  return seen
end
local function has(prefix)
  for _, c in ipairs(codes()) do
    if c:sub(1, #prefix) == prefix then return true end
  end
  return false
end

if not vim.wait(60000, function() return #vim.diagnostic.get(buf) >= 2 end, 50) then
  return finish("timeout waiting for the input diagnostics")
end
show("opened", buf)
-- Fix the typo and the dangling parent, as typing would.
for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  local fixed = line:gsub("netwrok:", "network:"):gsub("EXCH%-PRA", "EXCH-PAR")
  if fixed ~= line then vim.api.nvim_buf_set_lines(buf, i - 1, i, false, { fixed }) end
end
if not vim.wait(60000, function() return not has("kbcheck::") and has("KB-") end, 50) then
  show("stuck", buf)
  return finish("timeout waiting for the findings")
end
show("fixed", buf)
vim.lsp.stop_client(client)
finish("done")
