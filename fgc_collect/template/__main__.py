"""python -m fgc_collect.template: regenerate the committed blank templates, one per year."""

from fgc_collect.template import write_committed_templates

for path in write_committed_templates():
    print(path)
