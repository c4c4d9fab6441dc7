// Placeholder until the persistence branch lands; removed at merge.
using ArML.Persistence;
using TorchSharp;
namespace ArML.Torch;
#pragma warning disable CS1591
public static class TensorConversions
{
    public static TensorData ToTensorData(this torch.Tensor t) => throw new NotSupportedException();
    public static torch.Tensor ToTensor(this TensorData data) => throw new NotSupportedException();
}
