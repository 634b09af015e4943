#!/usr/bin/env bash
# Install the Debian libraries Qt 6 needs (offscreen and xcb platforms), and PulseAudio for the
# audio-output test, when they are missing.
set -u
pkgs=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0
      pulseaudio pulseaudio-utils)  # the last two: a private sound server for the audio test
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  echo "installing Debian packages for Qt: ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || echo "warning: could not install ${missing[*]}; Qt tests may fail" >&2
fi
exit 0
