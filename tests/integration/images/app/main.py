import crontab
import six

print(f"app-ok six={six.__version__} crontab={crontab.CronTab('*/5 * * * *').matchers.minute}")
