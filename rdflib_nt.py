import rdflib, itertools, time
t=time.time(); n=0; chunk=[]
def flush():
    global n
    g=rdflib.Graph(); g.parse(data=''.join(chunk),format='nt'); n+=len(g)
with open('/work/runs/new27a/kg.nt') as f:
    for line in f:
        chunk.append(line)
        if len(chunk)==500000: flush(); chunk=[]
if chunk: flush()
print('rdflib nt triples',n,round(time.time()-t))
