# Global nbgrader configuration for every user of the hub: /etc/jupyter/nbgrader_config.py.
# Pupils' and teachers' JupyterLab (Assignments tab: fetch, submit) read it; each course's formgrader too.
from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821
# One exchange for all courses, one subfolder per course. Create it once as root:
#   mkdir -p /srv/nbgrader/exchange && chmod 777 /srv/nbgrader/exchange
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True
# Who takes which course comes from the hub's groups: nbgrader-<course> (pupils), formgrade-<course> (teachers).
c.Authenticator.plugin_class = JupyterHubAuthPlugin
c.NbGrader.course_titles = {
    "nls_khoi6": "Năng lực số – khối 6",
    "nls_khoi7": "Năng lực số – khối 7",
}
