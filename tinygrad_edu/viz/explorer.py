def save_html(*a): pass
def explore(*a): pass
class Explorer: pass
