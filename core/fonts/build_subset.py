"""Rebuilds `NotoSansSC-Regular-GB2312.ttf` from Noto Sans SC (SIL OFL 1.1), the variable TrueType font that
Google Fonts publishes as `ofl/notosanssc/NotoSansSC[wght].ttf`.

    pip install fonttools            # only for this script; the portal does not need it
    python core/fonts/build_subset.py path/to/NotoSansSC[wght].ttf

What it keeps: the Regular (wght 400) instance, TrueType outlines, no hinting and no layout tables (reportlab
sets text glyph by glyph), for the characters of GB 2312 (6,763 hanzi and its symbols), printable ASCII,
Chinese and full-width punctuation, and the extra characters below (common in given names, outside GB 2312).
reportlab embeds a further subset of it (only the glyphs a PDF uses) in every letter and receipt.
"""

import contextlib
import sys

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

# Frequent in given names and place names but not in GB 2312; each costs a few hundred bytes.
EXTRA = "喆堃玥珺璟祎禕彧垚燚犇骉昇玙瑄翀旻烜暐赟婳瑀琇淏濛沄浛芃镕镠"
PUNCTUATION = "¥·•…—–‘’“”、。，；：？！（）《》〈〉【】「」『』〔〕～×÷°±‰€£％＋－＝／＼｜　"


def characters() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(EXTRA) | set(PUNCTUATION)
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)} | {chr(c) for c in range(0x3000, 0x3020)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gb2312"))
    return chars


def build(source: str, target: str) -> None:
    font = instancer.instantiateVariableFont(TTFont(source), {"wght": 400.0}, updateFontNames=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG", "STAT", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    font.save(target)


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "core/fonts/NotoSansSC-Regular-GB2312.ttf")
