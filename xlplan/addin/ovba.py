"""A VBA project (MS-OVBA) from module sources: the vbaProject.bin of the add-in.

The project carries source code only: ``_VBA_PROJECT`` says version 0xFFFF and no module
has a performance cache, so Office compiles the modules from source when it opens the file
(as xlwings' own add-ins ship). Streams are compressed with the MS-OVBA algorithm (2.4.1).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .cfb import compound_file

CODE_PAGE = 1252
_CHUNK = 4096
OFFICE_LIBID = ("*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\\Program Files\\Common "
                "Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library")
STDOLE_LIBID = ("*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
                "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


# -- compression (MS-OVBA 2.4.1) -------------------------------------------------------------
def _copy_token_bits(position: int) -> int:
    """Offset bits of a CopyToken at ``position`` bytes into its chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    position = 0
    seen: dict[bytes, list[int]] = {}
    while position < len(chunk):
        flags = 0
        tokens = bytearray()
        for bit in range(8):
            if position >= len(chunk):
                break
            bits = _copy_token_bits(position) if position else 4
            max_length = (0xFFFF >> bits) + 3
            best_length, best_at = 0, 0
            for start in reversed(seen.get(chunk[position:position + 3], [])[-64:]):
                length = 0
                limit = min(max_length, len(chunk) - position)
                while length < limit and chunk[start + length] == chunk[position + length]:
                    length += 1
                if length > best_length:
                    best_length, best_at = length, start
            step = best_length if best_length >= 3 else 1
            if best_length >= 3:
                flags |= 1 << bit
                token = ((position - best_at - 1) << (16 - bits)) | (best_length - 3)
                tokens += struct.pack("<H", token)
            else:
                tokens.append(chunk[position])
            for at in range(position, position + step):
                seen.setdefault(chunk[at:at + 3], []).append(at)
            position += step
        out.append(flags)
        out += tokens
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        packed = _compress_chunk(chunk)
        if len(packed) <= _CHUNK:
            out += struct.pack("<H", 0xB000 | (len(packed) + 2 - 3)) + packed
        elif len(chunk) == _CHUNK:  # does not compress: stored raw
            out += struct.pack("<H", 0x3000 | 0x0FFF) + chunk
        else:
            raise ValueError("a last chunk that does not compress cannot be stored raw")
    return bytes(out)


# -- project protection strings of the PROJECT stream (2.4.3) -------------------------------
def encrypt(project_id: str, data: bytes, seed: int) -> str:
    """Data Encryption (2.4.3.2), as hex: how CMG, DPB and GC are written."""
    key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ 2, seed ^ key])
    unencrypted, enc1, enc2 = key, seed ^ key, seed ^ 2
    for byte in bytes((seed & 6) // 2) + struct.pack("<I", len(data)) + data:
        encrypted = ((enc2 + unencrypted) & 0xFF) ^ byte
        out.append(encrypted)
        enc2, enc1, unencrypted = enc1, encrypted, byte
    return out.hex().upper()


def decrypt(project_id: str, text: str) -> bytes:
    """The inverse of ``encrypt`` (2.4.3.3): used to check against Office-written files."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("not a version 2 encryption")
    unencrypted, enc1, enc2 = key_enc ^ seed, key_enc, version_enc
    plain = bytearray()
    for encrypted in raw[3:]:
        byte = ((enc2 + unencrypted) & 0xFF) ^ encrypted
        plain.append(byte)
        enc2, enc1, unencrypted = enc1, encrypted, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack("<I", plain[ignored:ignored + 4])
    return bytes(plain[ignored + 4:ignored + 4 + length])


CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"  # a class module's, as Office stores it

# -- the project ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Module:
    name: str
    code: str  # the source as the VB editor shows it, without Attribute lines
    kind: str = "module"  # module, document (ThisWorkbook, SheetN) or class
    base: str = ""  # VB_Base of a document module
    attributes: tuple[str, ...] = ()  # extra Attribute lines of a class

    def source(self) -> bytes:
        lines = [f'Attribute VB_Name = "{self.name}"']
        if self.kind == "document":
            lines += [f'Attribute VB_Base = "{self.base}"', "Attribute VB_GlobalNameSpace = False",
                      "Attribute VB_Creatable = False", "Attribute VB_PredeclaredId = True",
                      "Attribute VB_Exposed = True", "Attribute VB_TemplateDerived = False",
                      "Attribute VB_Customizable = True"]
        if self.kind == "class":  # as Office stores a class module (not as it exports one)
            exported = list(self.attributes)
            exposed = next((i + 1 for i, a in enumerate(exported)
                            if a.startswith("Attribute VB_Exposed")), len(exported))
            lines += [f'Attribute VB_Base = "{CLASS_BASE}"', *exported[:exposed],
                      "Attribute VB_TemplateDerived = False",
                      "Attribute VB_Customizable = False", *exported[exposed:]]
        else:
            lines += self.attributes
        body = self.code.replace("\r\n", "\n").strip("\n")
        text = "\r\n".join(lines) + ("\r\n" + body.replace("\n", "\r\n") if body else "")
        return (text + "\r\n").encode(f"cp{CODE_PAGE}")


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text_records(record_id: int, unicode_id: int, text: str) -> bytes:
    return (_record(record_id, text.encode(f"cp{CODE_PAGE}"))
            + _record(unicode_id, text.encode("utf-16-le")))


def _reference(name: str, libid: str) -> bytes:
    registered = struct.pack("<I", len(libid)) + libid.encode("ascii") + b"\0" * 6
    return _text_records(0x0016, 0x003E, name) + _record(0x000D, registered)


def _dir_stream(name: str, modules: Sequence[Module]) -> bytes:
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 1))  # SysKind: Win32 (recompiled on open)
    out += _record(0x0002, struct.pack("<I", 0x0409))  # LCID
    out += _record(0x0014, struct.pack("<I", 0x0409))  # LCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))
    out += _record(0x0004, name.encode("ascii"))
    out += _text_records(0x0005, 0x0040, "")  # doc string
    out += _text_records(0x0006, 0x003D, "")  # help file
    out += _record(0x0007, struct.pack("<I", 0))  # help context
    out += _record(0x0008, struct.pack("<I", 0))  # lib flags
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # version 1.0 (its size field is fixed)
    out += _text_records(0x000C, 0x003C, "")  # constants
    out += _reference("stdole", STDOLE_LIBID)
    out += _reference("Office", OFFICE_LIBID)
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # project cookie
    for module in modules:
        out += _text_records(0x0019, 0x0047, module.name)
        out += _text_records(0x001A, 0x0032, module.name)  # stream name
        out += _text_records(0x001C, 0x0048, "")  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # source at offset 0: no p-code cache
        out += _record(0x001E, struct.pack("<I", 0))  # help context
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # cookie
        out += _record(0x0021 if module.kind == "module" else 0x0022, b"")
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")  # dir terminator
    return bytes(out)


def _project_id(name: str, modules: Sequence[Module]) -> str:
    """A GUID that depends only on the content: the same sources give the same file."""
    digest = hashlib.sha256(name.encode() + b"".join(m.source() for m in modules)).hexdigest()
    d = digest.upper()
    return f"{{{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}}}"


def _project_stream(name: str, modules: Sequence[Module], project_id: str) -> bytes:
    lines = [f'ID="{project_id}"']
    for module in modules:
        lines.append({"document": f"Document={module.name}/&H00000000",
                      "class": f"Class={module.name}"}.get(module.kind, f"Module={module.name}"))
    seed = int(project_id[1:3], 16)
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt(project_id, bytes(4), seed)}"',
              f'DPB="{encrypt(project_id, bytes(1), seed ^ 0x11)}"',
              f'GC="{encrypt(project_id, bytes([0xFF]), seed ^ 0x22)}"', "",
              "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
              "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{CODE_PAGE}")


def _name_map(modules: Sequence[Module]) -> bytes:
    return b"".join(m.name.encode(f"cp{CODE_PAGE}") + b"\0" + m.name.encode("utf-16-le")
                    + b"\0\0" for m in modules) + b"\0\0"


def vba_project(name: str, modules: Sequence[Module]) -> bytes:
    """The vbaProject.bin of a project ``name`` holding ``modules``."""
    project_id = _project_id(name, modules)
    streams = {
        "PROJECT": _project_stream(name, modules, project_id),
        "PROJECTwm": _name_map(modules),
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
        "VBA/dir": compress(_dir_stream(name, modules)),
    }
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(module.source())
    return compound_file(streams)
