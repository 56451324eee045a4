"""Uploads: a file chooser (click to choose, or drop a file on it), capped in size, saved into the browser session's
own temporary folder, which is removed when the session ends.

An upload is only ever *read* as data by the library's readers (CSV/XLSX through :mod:`selection.inputs`, TOML,
JSON, YAML with ``safe_load``): nothing uploaded is executed, imported or unpickled. The file keeps its own name
(the audit bundle records it), reduced to safe characters.
"""

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ipyvue
import solara
import traitlets
from solara.components.file_drop import FileDropZone

MAX_UPLOAD_MB = float(os.environ.get("COCREATE_MAX_UPLOAD_MB", "50"))
"""The largest upload accepted, in MB (``cocreate serve --max-upload-mb``)."""

CHOOSER = """<template>
  <div ref="zone" class="cocreate-upload" :class="{disabled: disabled}">
    <label class="cocreate-upload-label">
      <span class="cocreate-upload-text">{{ label }}</span>
      <input ref="input" type="file" :accept="accept" :disabled="disabled" @change="chosen" />
    </label>
    <span class="cocreate-upload-hint">or drop the file here</span>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    this.chunk_size = 1024 * 1024;
    this.$refs.zone.addEventListener('dragover', event => { event.preventDefault(); });
    this.$refs.zone.addEventListener('drop', event => {
      event.preventDefault();
      if (!this.disabled) { this.take([...event.dataTransfer.files]); }
    });
  },
  methods: {
    chosen(event) { this.take([...event.target.files]); event.target.value = ''; },
    take(files) {
      this.native_file_info = files.slice(0, 1);
      this.picks = (this.picks || 0) + 1;  // choosing the same name and size again is a new upload too
      this.file_info = this.native_file_info.map(({name, size}) => ({name, isFile: true, size, pick: this.picks}));
    },
    jupyter_clear() { this.native_file_info = []; this.file_info = []; },
    jupyter_read(chunk) {
      const {id, file_index, offset, length} = chunk;
      let to_do = length;
      let sub_offset = offset;
      (async () => {
        while (to_do > 0) {
          const sub_length = Math.min(to_do, this.chunk_size);
          const file = this.native_file_info[file_index];
          const blob = file.slice(sub_offset, sub_offset + sub_length);
          const buff = await blob.arrayBuffer();
          this.upload({id, file_index, offset: sub_offset, length: sub_length}, [buff]);
          to_do -= sub_length;
          sub_offset += sub_length;
        }
      })();
    }
  }
}
</script>
<style id="cocreate-upload">
.cocreate-upload { border: 1px dashed #888; border-radius: 4px; padding: 10px; margin: 6px 0; }
.cocreate-upload.disabled { opacity: 0.5; }
.cocreate-upload-text { font-weight: bold; margin-right: 8px; }
.cocreate-upload-hint { color: #666; font-size: 90%; margin-left: 8px; }
</style>
"""


class _ChooserZone(FileDropZone):
    """Solara's drop zone with a real file input (so a file can be chosen by clicking, and tests can set it)."""

    template_file = None
    accept = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    @traitlets.default("template")
    def _template(self):
        return ipyvue.Template(template=CHOOSER)


@dataclass(frozen=True)
class Upload:
    """A saved upload: its own (safe) name, where it is, its size in bytes."""

    name: str
    path: Path
    size: int


def safe_name(name: str, fallback: str = "upload") -> str:
    """The file's own name without any folder, only letters, digits, ``. _ -`` and spaces, at most 100 characters."""
    base = re.sub(r"[^\w.\- ]", "_", Path(str(name).replace("\\", "/")).name).strip(" .")
    return (base or fallback)[-100:]


def too_large(size: int, limit_mb: float = MAX_UPLOAD_MB) -> str | None:
    """The message for a file over the cap, else None."""
    if size > limit_mb * 1024 * 1024:
        return (f"this file is {size / 1024 / 1024:.1f} MB; uploads are limited to {limit_mb:g} MB (a pool of a "
                f"few hundred thousand people fits well below that): upload a smaller file, or start the app with "
                f"`cocreate serve --max-upload-mb N`")
    return None


# ------------------------------------------------------------------------------------------ the session's folder

_ROOT: Path | None = None
_FOLDERS: dict[str, Path] = {}
_LOCK = threading.Lock()
_READING = threading.Lock()


def root() -> Path:
    """The server's temporary folder, holding one folder per browser session (removed at exit by
    :func:`remove_root`)."""
    global _ROOT
    with _LOCK:
        if _ROOT is None or not _ROOT.exists():
            _ROOT = Path(tempfile.mkdtemp(prefix="cocreate-web-"))
        return _ROOT


def remove_root() -> None:
    """Remove every session's folder (the server is stopping)."""
    global _ROOT
    with _LOCK:
        if _ROOT is not None:
            shutil.rmtree(_ROOT, ignore_errors=True)
        _ROOT = None
        _FOLDERS.clear()


def session_key() -> str:
    from solara.server import kernel_context

    return kernel_context.get_current_context().id if kernel_context.has_current_context() else "local"


def session_folder() -> Path:
    """This browser session's own temporary folder, created on first use and removed (with every job of the session
    cancelled) when the session ends."""
    key = session_key()
    with _LOCK:
        if key in _FOLDERS:
            return _FOLDERS[key]
    folder = Path(tempfile.mkdtemp(prefix="session-", dir=root()))
    with _LOCK:
        _FOLDERS[key] = folder
    from solara.server import kernel_context

    if kernel_context.has_current_context():
        kernel_context.get_current_context().on_close(lambda: end_session(key))
    return folder


def end_session(key: str) -> None:
    """The session ended: stop its jobs and remove its folder."""
    from cocreate.web import jobs

    jobs.cancel_all(key)
    with _LOCK:
        folder = _FOLDERS.pop(key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def save(upload_name: str, data, slot: str, name: str | None = None, exclusive: bool = True) -> Upload:
    """Write the uploaded bytes (or a binary file object) into the session folder under ``slot`` (a folder per kind
    of input), named ``name`` or the upload's own safe name. ``exclusive``: the upload replaces whatever the slot
    held (else only a file of the same name)."""
    folder = session_folder() / slot
    if folder.exists() and exclusive:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or safe_name(upload_name))
    with open(path, "wb") as out:
        if isinstance(data, bytes | bytearray):
            out.write(data)
        else:
            shutil.copyfileobj(data, out, 1024 * 1024)
    return Upload(path.name, path, path.stat().st_size)


@solara.component
def FileChooser(label: str, on_upload: Callable[[Upload], None], on_error: Callable[[str], None], slot: str,
                accept: str = "", disabled: bool = False, name: str | None = None,
                limit_mb: float | None = None, exclusive: bool = True):
    """Choose (or drop) one file: it is refused with a clear message over the size cap (before it is sent), else
    saved into the session folder's ``slot`` and given to ``on_upload``."""
    info, set_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    zone = _ChooserZone.element(label=label, on_file_info=set_info, multiple=False, accept=accept,
                                disabled=disabled)

    def wire():
        if not info:
            return
        widget = solara.get_widget(zone)
        widget.version += 1
        widget.reset_stats()
        set_wired(widget.get_files())

    solara.use_effect(wire, [info])

    def receive():
        if not wired:
            return
        file = wired[0]
        refused = too_large(int(file["size"]), MAX_UPLOAD_MB if limit_mb is None else limit_mb)
        if refused:
            on_error(f"{safe_name(file['name'])}: {refused}")
            return
        try:
            with _READING:  # one transfer at a time: concurrent chunked reads from the browser stall each other
                saved = save(file["name"], file["file_obj"], slot, name, exclusive)
        except Exception as err:  # noqa: BLE001 - a broken transfer is said, not raised in a thread
            on_error(f"{safe_name(file['name'])}: the upload did not complete ({err}); choose the file again")
            return
        on_upload(saved)

    solara.use_thread(receive, [wired])
    return zone
