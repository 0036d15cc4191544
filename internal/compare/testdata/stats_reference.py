# Reference values for stats_test.go: textbook formulas at 30 digits with mpmath;
# the t tail by numerical integration of its density (independent of RegIncBeta).
# Run: .venv/bin/python internal/compare/testdata/stats_reference.py
import mpmath as mp
mp.mp.dps = 30
def tpdf(x, df): return mp.gamma((df+1)/2)/(mp.sqrt(df*mp.pi)*mp.gamma(df/2))*(1+x*x/df)**(-(df+1)/2)
def t2(t, df): return 2*mp.quad(lambda x: tpdf(x, df), [abs(t), mp.inf])
def mean(x): return mp.fsum(x)/len(x)
def var(x):
    m=mean(x); return mp.fsum([(v-m)**2 for v in x])/(len(x)-1)
def welch(x,y):
    x=[mp.mpf(v) for v in x]; y=[mp.mpf(v) for v in y]
    v1,v2=var(x),var(y); n1,n2=len(x),len(y)
    se2=v1/n1+v2/n2; t=(mean(x)-mean(y))/mp.sqrt(se2)
    df=se2**2/((v1/n1)**2/(n1-1)+(v2/n2)**2/(n2-1))
    return t, df, t2(t,df)
def pred(b, x):
    b=[mp.mpf(v) for v in b]; n=len(b); t=(x-mean(b))/(mp.sqrt(var(b))*mp.sqrt(1+mp.mpf(1)/n))
    return t, n-1, t2(t, n-1)
def mw(x,y):
    allv=sorted([(v,0) for v in x]+[(v,1) for v in y])
    n=len(allv); ranks=[0]*n; i=0; tie=0
    while i<n:
        j=i
        while j<n and allv[j][0]==allv[i][0]: j+=1
        r=mp.mpf(i+1+j)/2
        for k in range(i,j): ranks[k]=r
        t=j-i; tie+=t**3-t; i=j
    R1=mp.fsum(ranks[k] for k in range(n) if allv[k][1]==0)
    n1,n2=len(x),len(y); U1=R1-mp.mpf(n1)*(n1+1)/2; U2=n1*n2-U1
    mu=mp.mpf(n1*n2)/2; s=mp.sqrt(mp.mpf(n1*n2)/12*((n+1)-mp.mpf(tie)/(n*(n-1))))
    z=(max(U1,U2)-mu-mp.mpf(1)/2)/s
    p=min(1, mp.erfc(z/mp.sqrt(2)))
    return U1,p
def mw_exact(x, y):
    # SciPy's method="auto" without ties and min(n1, n2) <= 8: the exact null
    # distribution of U, by enumerating which of the pooled positions x takes.
    from itertools import combinations
    n1, n2 = len(x), len(y)
    allv = sorted(x + y)
    U1 = sum(1 for a in x for b in y if a > b)
    Umax = max(U1, n1*n2 - U1)
    hits = total = 0
    for pos in combinations(range(n1+n2), n1):
        # U of an arrangement: for each x position, the y-values below it
        u = sum(p - i for i, p in enumerate(pos))
        total += 1
        hits += max(u, n1*n2 - u) >= Umax
    return U1, min(1, mp.mpf(hits)/total)
exact_cases = {
 "docs": ([19,22,16,29,24],[20,11,17,12]),
 "5v5 apart": ([10,11,12,13,14],[20,21,22,23,24]),
 "5v5 one swap": ([10,11,12,13,21],[14,20,22,23,24]),
 "3v12": ([5.5,7.5,9.5],[1,2,3,4,5,6,7,8,9,10,11,12]),
}
for k,(x,y) in exact_cases.items():
    u,p=mw_exact(x,y); print("mw exact",k,u,mp.nstr(p,17))
cases = {
 "docs": ([19,22,16,29,24],[20,11,17,12]),
 "ties": ([1,2,2,3,3,3,4],[3,4,4,5,5,6]),
 "separated": ([10.1,10.3,10.2,10.4,10.0,10.2,10.3,10.1],[12.0,12.4,12.1,12.3,12.2,12.5,12.2,12.6]),
}
for k,(x,y) in cases.items():
    u,p=mw(x,y); print("mw",k,mp.nstr(u,17),mp.nstr(p,17))
for k,(x,y) in cases.items():
    t,df,p=welch(x,y); print("welch",k,mp.nstr(t,17),mp.nstr(df,17),mp.nstr(p,17))
t,df,p=pred([100,102,99,101,100,103],110); print("pred",mp.nstr(t,17),df,mp.nstr(p,17))
for (t,df) in [(2.0,5),(1.0,1),(3.5,12.5),(0.3,30)]:
    print("t2",t,df,mp.nstr(t2(mp.mpf(t),mp.mpf(df)),17))
for (a,b,x) in [(2,3,0.4),(0.5,0.5,0.9),(10,0.5,0.95),(2.5,0.5,0.2)]:
    print("ib",a,b,x,mp.nstr(mp.betainc(a,b,0,x,regularized=True),17))
