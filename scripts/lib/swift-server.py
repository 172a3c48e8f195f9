"""Run one Swift server (account, container, object or proxy) from our own config dir.

Swift 2.30 reads swift.conf from the fixed path /etc/swift/swift.conf (utils.SWIFT_CONF_FILE);
`swift_dir` only moves the rings. To leave /etc alone, this launcher points that constant at
$CP_SWIFT_CONF before the storage policies and constraints are loaded, then does what
/usr/bin/swift-<name>-server does.

Usage: /usr/bin/python3 swift-server.py <account|container|object|proxy> <conf> [-v]
(/usr/bin/python3: Debian's swift is only importable by the system interpreter.)
"""
import os
import sys

import swift.common.utils as utils

utils.SWIFT_CONF_FILE = os.environ['CP_SWIFT_CONF']

# Imported after the patch on purpose: both modules read swift.conf.
from swift.common import constraints, storage_policy  # noqa: E402
from swift.common.wsgi import run_wsgi  # noqa: E402

constraints.reload_constraints()
storage_policy.reload_storage_policies()


def main():
    kind = sys.argv.pop(1)
    conf_file, options = utils.parse_options()
    extra = {}
    if kind == 'object':
        # as swift-object-server: lets the object server see the replication settings
        from swift.obj import server as object_server
        extra['global_conf_callback'] = object_server.global_conf_callback
    return run_wsgi(conf_file, kind + '-server', **extra, **options)


if __name__ == '__main__':
    sys.exit(main())
