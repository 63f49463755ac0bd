# JupyterHub for a school that has outgrown one PC: /etc/jupyterhub/jupyterhub_config.py (an example to adapt;
# docs/trien_khai_jupyterhub.md explains each part). JupyterHub 5 or later, run as root so that it can start each
# user's JupyterLab as that Unix user (the default LocalProcessSpawner and PAM login).
#
# - every pupil and teacher logs in with their own account and gets JupyterLab with nbgrader's Assignments tab;
# - nbgrader's multi-course setup: group formgrade-<course> for the course's teachers, nbgrader-<course> for its
#   pupils, one formgrader service per course (run as the account grader-<course>);
# - the kit's Voila pages (reports, ambassador committee) and the pupils' portal run as hub-managed services:
#   the hub starts them, restarts them if they stop and serves them at /services/<name>/.
c = get_config()  # noqa: F821

KIT = "/opt/nanglucso/.venv/bin"  # the kit installed once for everyone: python3 run.py demo --no-serve, or pip
COURSES_ROOT = "/srv/nanglucso"
# course id -> the teachers who grade it, and the port of its formgrader (any free loopback port).
COURSES = {
    "nls_khoi6": {"teachers": ["gv_lan", "gv_hung"], "port": 9001},
    "nls_khoi7": {"teachers": ["gv_mai"], "port": 9002},
}
REPORTS_COURSE = "nls_khoi6"  # the course whose reports the Voila service shows (one service per course)

c.JupyterHub.bind_url = "http://:8000"
c.Spawner.default_url = "/lab"
c.Authenticator.admin_users = {"quantri"}
# Any account of this server may log in (pupils' accounts are made from the roster, see the guide).
c.Authenticator.allow_all = True

c.JupyterHub.load_groups = {}
for course, info in COURSES.items():
    c.JupyterHub.load_groups[f"formgrade-{course}"] = {"users": [*info["teachers"], f"grader-{course}"]}
    # Pupils are added by the formgrader (nbgrader's JupyterHubAuthPlugin) or by the hub's admin page.
    c.JupyterHub.load_groups[f"nbgrader-{course}"] = {"users": []}

c.JupyterHub.load_roles = []
for course in COURSES:
    c.JupyterHub.load_roles += [
        # Teachers of a course open its formgrader; nobody else does.
        {"name": f"formgrade-{course}", "groups": [f"formgrade-{course}"],
         "scopes": [f"access:services!service={course}", "list:services"]},
        # The formgrader asks the hub who is in which course and enrols pupils (JupyterHubAuthPlugin).
        {"name": f"nbgrader-service-{course}", "services": [course],
         "scopes": ["list:users", "read:users", "read:users:groups", "list:groups", "read:groups", "groups"]},
    ]

c.JupyterHub.services = [
    {
        "name": course,  # nbgrader: the service's name is the course id
        "url": f"http://127.0.0.1:{info['port']}",
        "command": ["jupyterhub-singleuser", "--debug"],
        "user": f"grader-{course}",
        "cwd": f"{COURSES_ROOT}/{course}",  # nbgrader reads the course's nbgrader_config.py here
        "oauth_no_confirm": True,
    }
    for course, info in COURSES.items()
]
c.JupyterHub.services += [
    {
        # Teachers' and the principal's pages (class and school reports, ambassador committee), behind the
        # kit's access token as on one PC. The hub sets JUPYTERHUB_SERVICE_PREFIX; --base-url says it again.
        "name": "nanglucso",
        "url": "http://127.0.0.1:10101",
        "command": [f"{KIT}/nanglucso", "serve", "--course", f"{COURSES_ROOT}/{REPORTS_COURSE}",
                    "--ip", "127.0.0.1", "--port", "10101", "--base-url", "/services/nanglucso/"],
        "user": "nanglucso",
        "cwd": f"{COURSES_ROOT}/{REPORTS_COURSE}",
        "display": True,
        "oauth_no_confirm": True,
    },
    {
        # The pupils' portal (big cards, access codes on printed slips): no hub login needed.
        "name": "cong-hoc-sinh",
        "url": "http://127.0.0.1:10102",
        "command": [f"{KIT}/nanglucso", "serve", "--app", "cong-hoc-sinh", "--course",
                    f"{COURSES_ROOT}/{REPORTS_COURSE}", "--ip", "127.0.0.1", "--port", "10102",
                    "--base-url", "/services/cong-hoc-sinh/"],
        "user": "nanglucso",
        "cwd": f"{COURSES_ROOT}/{REPORTS_COURSE}",
        "display": True,
    },
]
# Everyone may see the links; the pages themselves ask for the kit's token (teachers) or a pupil's code.
c.JupyterHub.load_roles.append({"name": "user", "scopes": ["self", "access:services!service=nanglucso",
                                                           "access:services!service=cong-hoc-sinh"]})
