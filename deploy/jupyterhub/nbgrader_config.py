# nbgrader configuration of one course on the school server: /srv/nanglucso/nls_khoi6/nbgrader_config.py.
# The course's formgrader service (jupyterhub_config.py) runs in this folder, so nbgrader reads this file; the kit
# reads it too. What `nanglucso course init --gradebook … --exchange …` writes, with the exchange settings of the
# global file (global_nbgrader_config.py) repeated: the kit reads only this file.
c = get_config()  # noqa: F821
c.CourseDirectory.root = "/srv/nanglucso/nls_khoi6"
c.CourseDirectory.course_id = "nls_khoi6"
# PostgreSQL: the same URL as `gradebook:` in nanglucso.yaml (the kit writes, formgrader reads the same book).
c.CourseDirectory.db_url = "postgresql+psycopg://nanglucso:DOI_MAT_KHAU@127.0.0.1:5432/gradebook_khoi6"
# The shared exchange of every course on the hub, one subfolder per course (as the global file says).
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True
# As on a lab PC (see nanglucso/course.py): inert stubs, and feedback without keys or rubrics.
c.ClearSolutions.code_stub = {"python": "# VIẾT MÃ CỦA EM Ở ĐÂY\n"}
c.ClearSolutions.text_stub = "VIẾT CÂU TRẢ LỜI CỦA EM Ở ĐÂY"
c.Execute.timeout = 30
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ClearMarkScheme, CSSHTMLHeaderPreprocessor]
c.NbGrader.logfile = "/srv/nanglucso/nls_khoi6/nbgrader.log"
