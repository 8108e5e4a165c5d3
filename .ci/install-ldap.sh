#!/usr/bin/env bash
# Installs the directory servers the LDAP integration tests start privately (OpenLDAP slapd and a Samba
# AD DC), on a fresh Debian 12 machine. Idempotent: safe to run again. The tests never use the system
# services: they run their own instances on random ports in private directories, so the services the
# packages start are stopped and disabled here.
set -euo pipefail

# slapd + ldap-utils: OpenLDAP server, slapadd, ldapsearch (the benchmark's floor).
# samba-ad-dc + samba-ad-provision: the AD DC and the schema files `samba-tool domain provision` reads.
# ldb-tools: ldbsearch, which the tests use to cross-check objectGUID formatting.
PACKAGES=(slapd ldap-utils samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools openssl)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-ldap: installing ${missing[*]}"
  # Debconf must not ask for the slapd admin password: skip the system instance's configuration.
  export DEBIAN_FRONTEND=noninteractive
  echo 'slapd slapd/no_configuration boolean true' | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-ldap: packages already installed"
fi

# The packages may start system-wide daemons that would hold ports 389/636/88; the tests start their own.
for svc in slapd samba-ad-dc smbd nmbd winbind; do
  if command -v systemctl >/dev/null 2>&1 && systemctl list-unit-files "$svc.service" >/dev/null 2>&1; then
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
  if [ -x "/etc/init.d/$svc" ]; then
    $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done

# Debian's AppArmor profile confines /usr/sbin/slapd to its own paths; a private instance under /tmp
# needs it off (no-op where AppArmor is not loaded, as in most containers).
if [ -e /etc/apparmor.d/usr.sbin.slapd ] && command -v apparmor_parser >/dev/null 2>&1; then
  $SUDO ln -sf /etc/apparmor.d/usr.sbin.slapd /etc/apparmor.d/disable/ 2>/dev/null || true
  $SUDO apparmor_parser -R /etc/apparmor.d/usr.sbin.slapd >/dev/null 2>&1 || true
fi

for bin in /usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapsearch /usr/sbin/samba /usr/bin/samba-tool /usr/bin/ldbsearch /usr/bin/openssl; do
  if [ ! -x "$bin" ]; then
    echo "install-ldap: $bin is missing after install" >&2
    exit 1
  fi
done
echo "install-ldap: slapd $(/usr/sbin/slapd -VV 2>&1 | head -1 | sed 's/.*slapd //'), $(/usr/sbin/samba --version)"
