#!/bin/sh
# Regenerate the bundled fonts from Debian's fonts-noto-core (and fonttools):
#   apt-get install fonts-noto-core fonttools && sh update.sh
# Hinting is dropped (print output never uses it; it is a third of each
# file); every glyph, every OpenType layout feature and every name is kept,
# so shaping is exactly that of the upstream font.
set -eu
src=/usr/share/fonts/truetype/noto
dst=$(dirname "$0")
for f in \
    NotoSans-Regular NotoSans-Bold \
    NotoSansDevanagari-Regular NotoSansDevanagari-Bold \
    NotoNaskhArabic-Regular NotoNaskhArabic-Bold \
    NotoSansBengali-Regular NotoSansGujarati-Regular NotoSansGurmukhi-Regular \
    NotoSansKannada-Regular NotoSansMalayalam-Regular NotoSansOriya-Regular \
    NotoSansTamil-Regular NotoSansTelugu-Regular NotoSansSinhala-Regular \
    NotoSansThai-Regular
do
    pyftsubset "$src/$f.ttf" --unicodes='*' --glyphs='*' --layout-features='*' \
        --name-IDs='*' --name-languages='*' --no-hinting --notdef-outline \
        --output-file="$dst/$f.ttf"
done
