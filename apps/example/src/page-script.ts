/**
 * The page's script, sent as it is written (plain browser JavaScript, no build step): log
 * in, upload with progress (straight to the bucket when the server offers it, else through
 * the app), list, download, delete, and the status panel.
 */
export const PAGE_SCRIPT = String.raw`
const $ = (id) => document.getElementById(id);
const say = (text) => { $("message").textContent = text; };

async function json(path, init) {
  const response = await fetch(path, init);
  const body = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  return { status: response.status, body };
}

function sizeText(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " kB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

async function showPanel() {
  const { status, body } = await json("/platform-status");
  if (status !== 200) return;
  for (const key of ["environment", "kind", "location", "sessionStore", "migration", "uploads"])
    $("status-" + key).textContent = body[key];
}

async function showList() {
  const { status, body } = await json("/attachments?limit=1000");
  const rows = $("files");
  rows.replaceChildren();
  if (status !== 200) return;
  $("empty").hidden = body.length > 0;
  for (const file of body) {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.href = "/attachments/" + file.id;
    link.textContent = file.name;
    link.setAttribute("download", file.name);
    name.append(link);
    const size = document.createElement("td");
    size.textContent = sizeText(file.size);
    const where = document.createElement("td");
    where.textContent = file.location;
    const actions = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", "Delete " + file.name);
    remove.addEventListener("click", async () => {
      const { status } = await json("/attachments/" + file.id, { method: "DELETE" });
      say(status === 204 ? "Deleted " + file.name + "." : "Delete failed (" + status + ").");
      await showList();
    });
    actions.append(remove);
    row.append(name, size, where, actions);
    rows.append(row);
  }
}

/** Sends body with XMLHttpRequest (fetch has no upload progress); resolves with status and text. */
function send(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) $("progress").value = event.loaded / event.total;
    };
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new Error("the upload did not reach " + new URL(url, location.href).host));
    xhr.send(body);
  });
}

async function sha256(file) {
  if (!crypto.subtle || file.size > 256 * 1024 * 1024) return undefined;
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function throughTheApp(file, mimetype) {
  const { status, text } = await send("POST", "/attachments",
    { "content-type": mimetype, "x-filename": encodeURIComponent(file.name) }, file);
  if (status !== 201) throw new Error(JSON.parse(text || "{}").error || "upload failed (" + status + ")");
  return "through the app";
}

/** Direct when the server hands out a signed URL; through the app when it says so, or the bucket cannot be reached. */
async function upload(file) {
  const mimetype = file.type || "application/octet-stream";
  const checksum = await sha256(file);
  const offer = await json("/attachments/uploads", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: file.name, mimetype, size: file.size, ...(checksum ? { checksum } : {}) }),
  });
  if (offer.status !== 201 || !offer.body.direct) return throughTheApp(file, mimetype);
  const { id, method, url, headers } = offer.body;
  let sent;
  try {
    sent = await send(method, url, headers, file);
  } catch {
    await json("/attachments/uploads/" + id, { method: "DELETE" });
    return throughTheApp(file, mimetype);
  }
  if (sent.status >= 300) throw new Error("the bucket refused the upload (" + sent.status + ")");
  const done = await json("/attachments/uploads/" + id + "/complete", { method: "POST" });
  if (done.status !== 201) throw new Error((done.body && done.body.error) || "verification failed");
  return "straight to the bucket";
}

async function showUser() {
  const { status, body } = await json("/me");
  $("login-section").hidden = status === 200;
  $("files-section").hidden = status !== 200;
  $("logout").hidden = status !== 200;
  $("user").textContent = status === 200 ? "Logged in as " + body.login : "";
  if (status === 200) await showList();
  await showPanel();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { status, body } = await json("/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: $("login").value }),
  });
  say(status === 200 ? "Welcome, " + body.login + "." : (body && body.error) || "Login failed.");
  await showUser();
  if (status === 200) $("file").focus();
});

$("logout").addEventListener("click", async () => {
  await fetch("/logout", { method: "POST" });
  say("Logged out.");
  await showUser();
  $("login").focus();
});

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) { say("Choose a file first."); return; }
  $("upload-button").disabled = true;
  $("progress").value = 0;
  say("Uploading " + file.name + "…");
  try {
    const how = await upload(file);
    $("progress").value = 1;
    say("Uploaded " + file.name + " (" + sizeText(file.size) + ", " + how + ").");
    $("upload-form").reset();
  } catch (error) {
    say("Upload failed: " + error.message);
  } finally {
    $("upload-button").disabled = false;
  }
  await showList();
});

void showUser();
`;
