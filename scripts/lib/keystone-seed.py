"""Seed the test Keystone offline (straight into its sqlite database), idempotently.

Done before keystone-wsgi-public starts, because creating services and endpoints over the
REST API on sqlite randomly fails with "database is locked".

Creates: the admin bootstrap (admin/adminpass, project admin, role admin, region RegionOne,
identity endpoint), project `service` with user `swift` (admin role, used by the Swift
proxy's authtoken), project `test` with user `tester` (member role), and the object-store
service whose endpoints point at the Keystone-token Swift proxy.

Usage: /usr/bin/python3 keystone-seed.py <keystone.conf> <keystone url> <swift proxy url>
Prints the id of project `test`.
"""
import sys
import uuid

import keystone.conf
from keystone import exception
from keystone.common import provider_api, sql

DOMAIN = 'default'
REGION = 'RegionOne'


def load(conf_file):
    conf = keystone.conf.CONF
    keystone.conf.configure()
    keystone.conf.set_default_for_default_log_levels()
    sql.initialize()
    conf(args=['--config-file', conf_file], project='keystone', default_config_files=[])
    keystone.conf.setup_logging()


def bootstrap(keystone_url):
    from keystone.cmd import bootstrap as ks_bootstrap
    b = ks_bootstrap.Bootstrapper()  # also loads the backends (provider APIs)
    b.admin_username, b.admin_password = 'admin', 'adminpass'
    b.project_name, b.admin_role_name = 'admin', 'admin'
    b.region_id, b.service_name = REGION, 'keystone'
    b.public_url = b.internal_url = b.admin_url = keystone_url
    b.bootstrap()


def ensure_project(api, name):
    try:
        return api.resource_api.get_project_by_name(name, DOMAIN)['id']
    except exception.ProjectNotFound:
        pid = uuid.uuid4().hex
        api.resource_api.create_project(
            pid, {'id': pid, 'name': name, 'domain_id': DOMAIN, 'enabled': True})
        return pid


def ensure_user(api, name, password, project_id, role_id):
    try:
        uid = api.identity_api.get_user_by_name(name, DOMAIN)['id']
    except exception.UserNotFound:
        uid = api.identity_api.create_user({
            'name': name, 'password': password, 'enabled': True,
            'domain_id': DOMAIN, 'default_project_id': project_id})['id']
    try:
        api.assignment_api.add_role_to_user_and_project(uid, project_id, role_id)
    except exception.Conflict:
        pass  # already assigned


def ensure_object_store(api, swift_url):
    services = [s for s in api.catalog_api.list_services() if s['type'] == 'object-store']
    if services:
        sid = services[0]['id']
    else:
        sid = uuid.uuid4().hex
        api.catalog_api.create_service(
            sid, {'id': sid, 'name': 'swift', 'type': 'object-store', 'enabled': True})
    url = swift_url + '/v1/AUTH_$(project_id)s'
    existing = {e['interface']: e for e in api.catalog_api.list_endpoints()
                if e['service_id'] == sid}
    for interface in ('public', 'internal', 'admin'):
        endpoint = existing.get(interface)
        if endpoint is None:
            eid = uuid.uuid4().hex
            api.catalog_api.create_endpoint(eid, {
                'id': eid, 'interface': interface, 'url': url, 'service_id': sid,
                'region_id': REGION, 'enabled': True})
        elif endpoint['url'] != url:  # the proxy port changed
            api.catalog_api.update_endpoint(endpoint['id'], dict(endpoint, url=url))


def main():
    conf_file, keystone_url, swift_url = sys.argv[1:4]
    load(conf_file)
    bootstrap(keystone_url)
    api = provider_api.ProviderAPIs
    roles = {r['name']: r['id'] for r in api.role_api.list_roles()}
    if 'member' not in roles:  # bootstrap creates it, but do not depend on that
        rid = uuid.uuid4().hex
        api.role_api.create_role(rid, {'id': rid, 'name': 'member'})
        roles['member'] = rid
    service = ensure_project(api, 'service')
    test = ensure_project(api, 'test')
    ensure_user(api, 'swift', 'swiftpass', service, roles['admin'])
    ensure_user(api, 'tester', 'testing', test, roles['member'])
    ensure_object_store(api, swift_url)
    print(test)


if __name__ == '__main__':
    main()
